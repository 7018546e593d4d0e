// libFuzzer target: URL lists as users (and attackers) write them. Beyond "no crash, no hang", it checks
// what the parser promises: every entry is an absolute http(s) URL with a host, and every reported line is
// printable.
#include "urllist.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const heiko::UrlList list
        = heiko::UrlList::parse(QByteArrayView(reinterpret_cast<const char *>(data), qsizetype(size)));
    for (const heiko::UrlList::Entry &entry : list.entries()) {
        const QString scheme = entry.url.scheme();
        if (!entry.url.isValid() || entry.url.host().isEmpty()
            || (scheme != QStringLiteral("http") && scheme != QStringLiteral("https")))
            std::abort();
    }
    for (const heiko::UrlList::Rejected &rejected : list.rejected()) {
        if (rejected.reason.isEmpty())
            std::abort();
        for (const QChar c : rejected.text) {
            if (c.unicode() < 0x20 || c.unicode() == 0x7f)
                std::abort(); // a rejected line is shown in logs: it must not carry control characters
        }
    }
    return 0;
}
