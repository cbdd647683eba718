import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './device-registration-after-risk.cases';
import rule from './device-registration-after-risk';

describeRuleCases(rule as RuleDefinition, cases);
