import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './trusted-relationship-added.cases';
import rule from './trusted-relationship-added';

describeRuleCases(rule as RuleDefinition, cases);
