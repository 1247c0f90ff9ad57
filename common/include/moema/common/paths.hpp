// Where the testbed's shipped files are found at run time.
//
// Each folder comes from its environment variable when that is set. Otherwise
// an installed program (or an installed gr-moema library loaded by Python)
// uses <prefix>/share/moema, found beside the binary that holds this code; a
// program run from its build tree uses the source tree it was built from.
// An installed program never reads the source tree.
#pragma once

#include <string>

namespace moema {

// <prefix>/share/moema when the running binary is installed, else "".
std::string installed_share_dir();

std::string weights_dir();       // MOEMA_WEIGHTS_DIR: the embedder and the MoEMA receivers
std::string jscc_weights_dir();  // MOEMA_JSCC_WEIGHTS_DIR: the image codecs
std::string kodak_dir();         // MOEMA_KODAK_DIR: the Kodak test images
std::string data_dir();          // MOEMA_DATA_DIR: MNIST, Fashion-MNIST, trained receivers

}  // namespace moema
