import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './resource-hierarchy-change.cases';
import rule from './resource-hierarchy-change';

describeRuleCases(rule as RuleDefinition, cases);
