import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './password-spray-success.cases';
import rule from './password-spray-success';

describeRuleCases(rule as RuleDefinition, cases);
