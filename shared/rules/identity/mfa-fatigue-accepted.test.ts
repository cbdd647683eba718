import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './mfa-fatigue-accepted.cases';
import rule from './mfa-fatigue-accepted';

describeRuleCases(rule as RuleDefinition, cases);
