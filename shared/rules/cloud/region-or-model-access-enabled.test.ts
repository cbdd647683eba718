import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './region-or-model-access-enabled.cases';
import rule from './region-or-model-access-enabled';

describeRuleCases(rule as RuleDefinition, cases);
