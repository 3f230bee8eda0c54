// cellkernels — Highway glue shared by the kernels (static dispatch: one target per build).
#pragma once

#include "hwy/highway.h"

namespace ck {
namespace hn = hwy::HWY_NAMESPACE;
}  // namespace ck
