// libFuzzer target: what a drop or paste can hold. Prose, HTML, uri-lists and CSV all yield only http(s)
// URLs with a host, and file:// entries only as local files.
#include "urlextractor.h"

#include <cstdint>
#include <cstdlib>

namespace {

void checkEntries(const heiko::UrlList &list)
{
    for (const heiko::UrlList::Entry &entry : list.entries()) {
        const QString scheme = entry.url.scheme();
        if (!entry.url.isValid() || entry.url.host().isEmpty()
            || (scheme != QStringLiteral("http") && scheme != QStringLiteral("https")))
            std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const QString text = QString::fromUtf8(bytes);
    checkEntries(heiko::UrlExtractor::fromText(text));
    checkEntries(heiko::UrlExtractor::fromHtml(text));
    checkEntries(heiko::UrlExtractor::fromCsv(bytes));
    const heiko::UrlExtractor::UriListResult uriList = heiko::UrlExtractor::fromUriList(bytes);
    checkEntries(uriList.urls);
    return 0;
}
