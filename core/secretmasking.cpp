#include "secretmasking.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace heiko::secrets {

QString maskedUrl(const QUrl &url)
{
    if (url.password().isEmpty())
        return url.toDisplayString();
    QUrl masked = url;
    masked.setPassword(kMask.toString());
    return masked.toDisplayString();
}

namespace {

// Whether `text` starts with `lower` (ASCII lower-case letters), ignoring ASCII case.
bool startsWithLetters(QStringView text, QStringView lower)
{
    if (text.size() < lower.size())
        return false;
    for (qsizetype i = 0; i < lower.size(); ++i) {
        if ((text[i].unicode() | 0x20) != lower[i].unicode())
            return false;
    }
    return true;
}

} // namespace

QString scrubSecrets(const QString &text)
{
    // A cheap look first, one pass: almost no message carries a secret, and this runs on every log record
    // (two case-insensitive searches were most of the cost of logging a line). Letters whose case folding
    // reaches ASCII (the Kelvin sign folds to k, the long s to s, the Turkish i's to i) send the text to the
    // expressions below, which decide as before.
    bool mayHaveUserinfo = false;
    bool mayHaveHeader = false;
    const QStringView view(text);
    for (qsizetype i = 0; i < view.size() && !(mayHaveUserinfo && mayHaveHeader); ++i) {
        const char16_t c = view[i].unicode();
        if (c == u'@')
            mayHaveUserinfo = true;
        else if ((c | 0x20) == u'u')
            mayHaveHeader = mayHaveHeader || startsWithLetters(view.sliced(i), u"uthorization");
        else if ((c | 0x20) == u'c')
            mayHaveHeader = mayHaveHeader || startsWithLetters(view.sliced(i), u"cookie");
        else if (c == 0x212a || c == 0x017f || c == 0x0130 || c == 0x0131)
            mayHaveHeader = true;
    }
    if (!mayHaveUserinfo && !mayHaveHeader)
        return text;

    QString result = text;
    if (mayHaveUserinfo) {
        // scheme://user:secret@host -> scheme://user:***@host (also when the user name is empty)
        static const QRegularExpression userinfo(
            uR"(([A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:]*):[^\s/?#@]*@)"_s);
        result.replace(userinfo, u"\\1:***@"_s);
    }
    if (mayHaveHeader) {
        static const QRegularExpression header(
            uR"(\b((?:Proxy-)?Authorization|Set-Cookie|Cookie)(\s*[:=]\s*)[^\r\n]*)"_s,
            QRegularExpression::CaseInsensitiveOption);
        result.replace(header, u"\\1\\2***"_s);
    }
    return result;
}

} // namespace heiko::secrets
