import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './mass-file-access.cases';
import rule from './mass-file-access';

describeRuleCases(rule as RuleDefinition, cases);
