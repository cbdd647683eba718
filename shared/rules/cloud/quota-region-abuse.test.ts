import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './quota-region-abuse.cases';
import rule from './quota-region-abuse';

describeRuleCases(rule as RuleDefinition, cases);
