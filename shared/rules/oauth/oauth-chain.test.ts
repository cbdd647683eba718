import { describeRuleCases } from '../../../test/support/rule-cases';
import cases from './oauth-chain.cases';
import rule from './oauth-chain';

describeRuleCases(rule, cases);
