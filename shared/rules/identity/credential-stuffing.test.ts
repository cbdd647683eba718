import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './credential-stuffing.cases';
import rule from './credential-stuffing';

describeRuleCases(rule as RuleDefinition, cases);
