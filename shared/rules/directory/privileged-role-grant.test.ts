import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './privileged-role-grant.cases';
import rule from './privileged-role-grant';

describeRuleCases(rule as RuleDefinition, cases);
