// The Flux Operator's kinds: FluxInstance, ResourceSet, ResourceSetInputProvider (shown when served).

import type { ViewState } from '../shared/state';
import { KindsModel } from '../sources/kindsModel';

export const OPERATOR_VIEW = 'fluxWorkbench.operator';

export function operatorModel(state: ViewState): KindsModel {
  return new KindsModel(state, OPERATOR_VIEW, ['operator']);
}
