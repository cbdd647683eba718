import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './oauth-risky-consent.cases';
import rule from './oauth-risky-consent';

describeRuleCases(rule as RuleDefinition, cases);
