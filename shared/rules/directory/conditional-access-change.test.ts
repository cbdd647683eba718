import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './conditional-access-change.cases';
import rule from './conditional-access-change';

describeRuleCases(rule as RuleDefinition, cases);
