import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './k8s-pod-token-exfil.cases';
import rule from './k8s-pod-token-exfil';

describeRuleCases(rule as RuleDefinition, cases);
