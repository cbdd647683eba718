import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './mfa-approved-sign-in.cases';
import rule from './mfa-approved-sign-in';

describeRuleCases(rule as RuleDefinition, cases);
