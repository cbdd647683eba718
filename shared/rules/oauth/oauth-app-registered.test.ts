import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './oauth-app-registered.cases';
import rule from './oauth-app-registered';

describeRuleCases(rule as RuleDefinition, cases);
