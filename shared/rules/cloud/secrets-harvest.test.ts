import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './secrets-harvest.cases';
import rule from './secrets-harvest';

describeRuleCases(rule as RuleDefinition, cases);
