import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './session-cookie-reuse.cases';
import rule from './session-cookie-reuse';

describeRuleCases(rule as RuleDefinition, cases);
