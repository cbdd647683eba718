import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './iam-backdoor.cases';
import rule from './iam-backdoor';

describeRuleCases(rule as RuleDefinition, cases);
