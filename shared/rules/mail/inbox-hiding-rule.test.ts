import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './inbox-hiding-rule.cases';
import rule from './inbox-hiding-rule';

describeRuleCases(rule as RuleDefinition, cases);
