// libFuzzer target: the header parsers that decide whether bytes are trusted.
#include "httpheaders.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    if (const auto length = heiko::http::parseContentLength(bytes); length && *length < 0)
        std::abort();
    if (const auto range = heiko::http::parseContentRange(bytes)) {
        if (range->first >= 0
            && (range->last < range->first || (range->total >= 0 && range->last >= range->total)))
            std::abort();
        if (range->first < 0 && range->total < 0)
            std::abort();
    }
    if (const auto delay = heiko::http::parseRetryAfter(bytes, QDateTime::currentDateTimeUtc());
        delay && delay->count() < 0)
        std::abort();
    heiko::http::parseHttpDate(bytes);
    heiko::http::isStrongEtag(bytes);
    return 0;
}
