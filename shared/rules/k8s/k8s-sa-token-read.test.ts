import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './k8s-sa-token-read.cases';
import rule from './k8s-sa-token-read';

describeRuleCases(rule as RuleDefinition, cases);
