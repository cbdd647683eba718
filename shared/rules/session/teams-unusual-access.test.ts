import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './teams-unusual-access.cases';
import rule from './teams-unusual-access';

describeRuleCases(rule as RuleDefinition, cases);
