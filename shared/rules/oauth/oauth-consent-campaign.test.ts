import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './oauth-consent-campaign.cases';
import rule from './oauth-consent-campaign';

describeRuleCases(rule as RuleDefinition, cases);
