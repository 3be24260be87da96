// Image automation: ImageRepository, ImagePolicy, ImageUpdateAutomation (shown when served).

import type { ViewState } from '../shared/state';
import { KindsModel } from '../sources/kindsModel';

export const IMAGES_VIEW = 'fluxWorkbench.imageAutomation';

export function imagesModel(state: ViewState): KindsModel {
  return new KindsModel(state, IMAGES_VIEW, ['image']);
}
