import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './serverless-tampering.cases';
import rule from './serverless-tampering';

describeRuleCases(rule as RuleDefinition, cases);
