import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './secrets-batch-harvest.cases';
import rule from './secrets-batch-harvest';

describeRuleCases(rule as RuleDefinition, cases);
