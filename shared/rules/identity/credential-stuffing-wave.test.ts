import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './credential-stuffing-wave.cases';
import rule from './credential-stuffing-wave';

describeRuleCases(rule as RuleDefinition, cases);
