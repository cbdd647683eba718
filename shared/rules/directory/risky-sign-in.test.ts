import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './risky-sign-in.cases';
import rule from './risky-sign-in';

describeRuleCases(rule as RuleDefinition, cases);
