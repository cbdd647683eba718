import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './k8s-sa-token-theft.cases';
import rule from './k8s-sa-token-theft';

describeRuleCases(rule as RuleDefinition, cases);
