import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './inbox-forwarding.cases';
import rule from './inbox-forwarding';

describeRuleCases(rule as RuleDefinition, cases);
