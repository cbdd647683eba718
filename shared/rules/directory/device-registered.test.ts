import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './device-registered.cases';
import rule from './device-registered';

describeRuleCases(rule as RuleDefinition, cases);
