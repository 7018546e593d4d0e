// libFuzzer target: server-chosen names. Whatever Content-Disposition or URL a server sends, the chosen
// name is a plain, non-empty file name of at most kMaxNameBytes that stays the same when sanitised again.
#include "filenaming.h"

#include <QUrl>

#include <cstdint>
#include <cstdlib>

namespace {

void checkPlainName(const QString &name, int maxBytes = heiko::naming::kMaxNameBytes)
{
    if (name.isEmpty() || name.contains(QLatin1Char('/')) || name.contains(QLatin1Char('\\'))
        || name.startsWith(QLatin1Char('.')) || name == QStringLiteral("..")
        || name.toUtf8().size() > maxBytes || name.contains(QChar(0)))
        std::abort();
}

void checkChosenName(const QString &name)
{
    checkPlainName(name);
    if (heiko::naming::sanitizeFileName(name) != name)
        std::abort(); // sanitising is idempotent
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const QUrl url(QString::fromUtf8(bytes), QUrl::TolerantMode);
    checkChosenName(heiko::naming::chooseFileName(bytes, QUrl(QStringLiteral("http://example.com/x"))));
    checkChosenName(heiko::naming::chooseFileName({}, url));
    const QString sanitized = heiko::naming::sanitizeFileName(QString::fromUtf8(bytes));
    if (!sanitized.isEmpty()) {
        checkChosenName(sanitized);
        // " (n)" may add up to 7 bytes: the name was chosen with that room left under 255.
        checkPlainName(heiko::naming::numberedFileName(sanitized, int(size % 10000)),
                       heiko::naming::kMaxNameBytes + 7);
    }
    const QString folder = heiko::naming::safeSubfolder(QString::fromUtf8(bytes));
    if (folder.startsWith(QLatin1Char('/')) || folder.split(QLatin1Char('/')).contains(QStringLiteral("..")))
        std::abort();
    return 0;
}
