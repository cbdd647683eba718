import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './device-registration.cases';
import rule from './device-registration';

describeRuleCases(rule as RuleDefinition, cases);
