import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './internal-phish-burst.cases';
import rule from './internal-phish-burst';

describeRuleCases(rule as RuleDefinition, cases);
