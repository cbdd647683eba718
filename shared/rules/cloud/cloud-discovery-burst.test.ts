import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './cloud-discovery-burst.cases';
import rule from './cloud-discovery-burst';

describeRuleCases(rule as RuleDefinition, cases);
