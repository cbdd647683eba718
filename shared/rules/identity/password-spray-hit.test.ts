import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './password-spray-hit.cases';
import rule from './password-spray-hit';

describeRuleCases(rule as RuleDefinition, cases);
