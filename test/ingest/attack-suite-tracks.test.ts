/**
 * Attack suite, part 2 of 3 (bench/support/attacks/): the honest video with its own track moved onto other streets
 * or on a stretched clock, and one device identity on two contributors or in two places at once. What holds on this
 * branch: test/support/attack-suite.ts.
 */
import { attackTests } from '../support/attack-suite.ts';

attackTests(['own_track_shifted', 'own_track_time_warped', 'device_key_two_contributors', 'device_key_two_places']);
