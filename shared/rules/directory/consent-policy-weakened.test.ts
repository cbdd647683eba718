import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './consent-policy-weakened.cases';
import rule from './consent-policy-weakened';

describeRuleCases(rule as RuleDefinition, cases);
