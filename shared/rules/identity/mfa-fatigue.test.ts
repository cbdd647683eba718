import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './mfa-fatigue.cases';
import rule from './mfa-fatigue';

describeRuleCases(rule as RuleDefinition, cases);
