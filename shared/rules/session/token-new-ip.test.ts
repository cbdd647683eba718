import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './token-new-ip.cases';
import rule from './token-new-ip';

describeRuleCases(rule as RuleDefinition, cases);
