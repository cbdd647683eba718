import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './oauth-consent-burst.cases';
import rule from './oauth-consent-burst';

describeRuleCases(rule as RuleDefinition, cases);
