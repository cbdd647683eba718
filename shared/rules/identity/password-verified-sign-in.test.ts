import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './password-verified-sign-in.cases';
import rule from './password-verified-sign-in';

describeRuleCases(rule as RuleDefinition, cases);
