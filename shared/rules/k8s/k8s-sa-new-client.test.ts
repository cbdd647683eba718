import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './k8s-sa-new-client.cases';
import rule from './k8s-sa-new-client';

describeRuleCases(rule as RuleDefinition, cases);
