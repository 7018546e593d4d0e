#include "urllist.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;
using heiko::UrlList;

namespace {

// Keeps embedded NUL bytes, which a plain const char * constructor would stop at.
template<qsizetype N> QByteArray raw(const char (&text)[N])
{
    return QByteArray(text, N - 1);
}

// "LINE URL[ out=NAME][ dir=DIR]": one string per entry, so a mismatch prints the whole list.
QStringList describe(const QList<UrlList::Entry> &entries)
{
    QStringList out;
    for (const UrlList::Entry &entry : entries) {
        QString text = QString::number(entry.lineNumber) + u' ' + entry.url.toString(QUrl::FullyEncoded);
        if (!entry.fileName.isEmpty())
            text += u" out="_s + entry.fileName;
        if (!entry.directory.isEmpty())
            text += u" dir="_s + entry.directory;
        out.append(text);
    }
    return out;
}

// Expected records are "LINE reason-part": the line number must match exactly and the reason must contain
// the part.
bool matches(const QList<UrlList::Rejected> &actual, const QStringList &expected, QString *message)
{
    QStringList actualText;
    for (const UrlList::Rejected &record : actual)
        actualText.append(QString::number(record.lineNumber) + u' ' + record.reason + u" [" + record.text
                          + u']');
    *message = u"actual: "_s + actualText.join(u" | ") + u"\nexpected: "_s + expected.join(u" | ");
    if (actual.size() != expected.size())
        return false;
    for (qsizetype i = 0; i < actual.size(); ++i) {
        const qsizetype space = expected[i].indexOf(u' ');
        const int line = expected[i].first(space).toInt();
        const QString reasonPart = expected[i].sliced(space + 1);
        if (actual[i].lineNumber != line || !actual[i].reason.contains(reasonPart))
            return false;
    }
    return true;
}

void addParseColumns()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QStringList>("entries");
    QTest::addColumn<QStringList>("rejected");
    QTest::addColumn<QStringList>("warnings");
}

void verifyParse()
{
    QFETCH(QByteArray, input);
    QFETCH(QStringList, entries);
    QFETCH(QStringList, rejected);
    QFETCH(QStringList, warnings);

    const UrlList list = UrlList::parse(input);
    QCOMPARE(describe(list.entries()), entries);
    QString message;
    QVERIFY2(matches(list.rejected(), rejected, &message), qPrintable(u"rejected: "_s + message));
    QVERIFY2(matches(list.warnings(), warnings, &message), qPrintable(u"warnings: "_s + message));
}

} // namespace

class TestUrlList final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void linesReadBackAsTheSameEntries();
    void acceptsUrls_data();
    void acceptsUrls() { verifyParse(); }
    void rejectsLines_data();
    void rejectsLines() { verifyParse(); }
    void bindsOptions_data();
    void bindsOptions() { verifyParse(); }
    void usesFirstMirror_data();
    void usesFirstMirror() { verifyParse(); }
    void showsLinesPrintableAndMasked_data();
    void showsLinesPrintableAndMasked();
    void rejectsOverlongLineQuickly_data();
    void rejectsOverlongLineQuickly();
    void parsesManyLines();
    void survivesBinaryGarbage_data();
    void survivesBinaryGarbage();
    void summarisesFloodOfBadLines_data();
    void summarisesFloodOfBadLines();
};

void TestUrlList::linesReadBackAsTheSameEntries()
{
    const UrlList list
        = UrlList::parse("https://a.example/1?q=a%20b\n  out=one file.iso\n  dir=sub/x\n"
                         "http://b.example/\xe6\xa5\xbd.mp3\nhttps://c.example/3\n  out=3.bin\n"_ba);
    QCOMPARE(list.entries().size(), 3);
    const UrlList back = UrlList::parse(UrlList::toLines(list.entries()).join(u'\n').toUtf8());
    QCOMPARE(back.entries().size(), list.entries().size());
    QVERIFY(back.rejected().isEmpty() && back.warnings().isEmpty());
    for (qsizetype i = 0; i < list.entries().size(); ++i) {
        QCOMPARE(back.entries().at(i).url, list.entries().at(i).url);
        QCOMPARE(back.entries().at(i).fileName, list.entries().at(i).fileName);
        QCOMPARE(back.entries().at(i).directory, list.entries().at(i).directory);
    }
}

void TestUrlList::acceptsUrls_data()
{
    addParseColumns();
    const QStringList none;

    QTest::newRow("empty input") << QByteArray() << none << none << none;
    QTest::newRow("only newlines") << "\n\n\r\n\n"_ba << none << none << none;
    QTest::newRow("only a BOM") << "\xEF\xBB\xBF"_ba << none << none << none;
    QTest::newRow("plain list")
        << "http://example.com/a.iso\nhttps://example.org/b.zip\nhttp://127.0.0.1:8080/c\n"_ba
        << QStringList { u"1 http://example.com/a.iso"_s, u"2 https://example.org/b.zip"_s,
                         u"3 http://127.0.0.1:8080/c"_s }
        << none << none;
    QTest::newRow("last line without newline")
        << "http://example.com/a\nhttp://example.com/b"_ba
        << QStringList { u"1 http://example.com/a"_s, u"2 http://example.com/b"_s } << none << none;
    QTest::newRow("CRLF") << "http://example.com/a\r\nhttp://example.com/b\r\n"_ba
                          << QStringList { u"1 http://example.com/a"_s, u"2 http://example.com/b"_s } << none
                          << none;
    QTest::newRow("CR on the last line without LF")
        << "http://example.com/a\r"_ba << QStringList { u"1 http://example.com/a"_s } << none << none;
    QTest::newRow("BOM") << "\xEF\xBB\xBFhttp://example.com/a\n"_ba
                         << QStringList { u"1 http://example.com/a"_s } << none << none;
    QTest::newRow("BOM and CRLF") << "\xEF\xBB\xBFhttp://example.com/a\r\nhttp://example.com/b\r\n"_ba
                                  << QStringList { u"1 http://example.com/a"_s, u"2 http://example.com/b"_s }
                                  << none << none;
    QTest::newRow("comments and blanks count as lines")
        << "# downloads\n\n   \n\t\n  # indented comment\nhttp://example.com/a\n#http://example.com/x\n"
           "\r\nhttp://example.com/b\n"_ba
        << QStringList { u"6 http://example.com/a"_s, u"9 http://example.com/b"_s } << none << none;
    QTest::newRow("a comment may hold anything")
        << raw("# \xFF\x00\x1B garbage\nhttp://example.com/a\n")
        << QStringList { u"2 http://example.com/a"_s } << none << none;
    QTest::newRow("'#' inside a URL is a fragment")
        << "http://example.com/a#part\n"_ba << QStringList { u"1 http://example.com/a#part"_s } << none
        << none;
    QTest::newRow("trailing spaces and tabs trimmed")
        << "http://example.com/a  \t \nhttp://example.com/b\t\n"_ba
        << QStringList { u"1 http://example.com/a"_s, u"2 http://example.com/b"_s } << none << none;
    QTest::newRow("Unicode spaces at the ends trimmed")
        << "http://example.com/a\xc2\xa0\n\xe3\x80\x80http://example.com/b\xe2\x80\x83\xc2\xa0\n"_ba
        << QStringList { u"1 http://example.com/a"_s, u"2 http://example.com/b"_s } << none << none;
    QTest::newRow("indented URL is a URL line")
        << "  http://example.com/a\n\thttps://example.com/b?x=1&y=2\n"_ba
        << QStringList { u"1 http://example.com/a"_s, u"2 https://example.com/b?x=1&y=2"_s } << none << none;
    QTest::newRow("scheme in capitals")
        << "HTTPS://EXAMPLE.COM/File.ZIP\n"_ba << QStringList { u"1 https://example.com/File.ZIP"_s } << none
        << none;
    QTest::newRow("IDN host") << "http://bücher.de/x\n"_ba << QStringList { u"1 http://xn--bcher-kva.de/x"_s }
                              << none << none;
    QTest::newRow("non-ASCII path")
        << "https://example.com/straße/日本.txt\n"_ba
        << QStringList { u"1 https://example.com/stra%C3%9Fe/%E6%97%A5%E6%9C%AC.txt"_s } << none << none;
    QTest::newRow("percent-encoded path")
        << "http://example.com/a%20b\n"_ba << QStringList { u"1 http://example.com/a%20b"_s } << none << none;
    QTest::newRow("userinfo") << "https://user:secret@example.com/f\n"_ba
                              << QStringList { u"1 https://user:secret@example.com/f"_s } << none << none;
    QTest::newRow("IPv6 host and port")
        << "http://[::1]:8080/f\n"_ba << QStringList { u"1 http://[::1]:8080/f"_s } << none << none;
    QTest::newRow("duplicates are kept")
        << "http://example.com/a\nhttp://example.com/a\n"_ba
        << QStringList { u"1 http://example.com/a"_s, u"2 http://example.com/a"_s } << none << none;
}

void TestUrlList::rejectsLines_data()
{
    addParseColumns();
    const QStringList none;

    QTest::newRow("mixed good and bad")
        << "http://example.com/1\nftp://example.com/2\n\n# note\nnot a url\nhttps://example.com/6\nhttp://\n"
           "www.example.com/8\n"_ba
        << QStringList { u"1 http://example.com/1"_s, u"6 https://example.com/6"_s }
        << QStringList { u"2 scheme 'ftp'"_s, u"5 not a URL"_s, u"7 URL has no host"_s, u"8 not a URL"_s }
        << none;
    QTest::newRow("ftp") << "ftp://example.com/f\n"_ba << none
                         << QStringList { u"1 not an http or https URL (scheme 'ftp')"_s } << none;
    QTest::newRow("file") << "file:///etc/passwd\n"_ba << none << QStringList { u"1 (scheme 'file')"_s }
                          << none;
    QTest::newRow("javascript") << "javascript:alert(1)\n"_ba << none
                                << QStringList { u"1 (scheme 'javascript')"_s } << none;
    QTest::newRow("mailto") << "mailto:joe@example.com\n"_ba << none
                            << QStringList { u"1 (scheme 'mailto')"_s } << none;
    QTest::newRow("data") << "data:text/plain,hi\n"_ba << none << QStringList { u"1 (scheme 'data')"_s }
                          << none;
    QTest::newRow("scheme-relative") << "//example.com/f\n"_ba << none << QStringList { u"1 not a URL"_s }
                                     << none;
    QTest::newRow("bare word") << "hello\n"_ba << none << QStringList { u"1 not a URL"_s } << none;
    QTest::newRow("http:// without host")
        << "http://\n"_ba << none << QStringList { u"1 URL has no host"_s } << none;
    QTest::newRow("http: without slashes")
        << "http:example.com\n"_ba << none << QStringList { u"1 URL has no host"_s } << none;
    QTest::newRow("three slashes") << "http:///path\n"_ba << none << QStringList { u"1 URL has no host"_s }
                                   << none;
    QTest::newRow("port but no host")
        << "https://user@:80/\n"_ba << none << QStringList { u"1 URL has no host"_s } << none;
    QTest::newRow("space in path") << "http://example.com/a b.iso\n"_ba << none
                                   << QStringList { u"1 contains a space; percent-encode it as %20"_s }
                                   << none;
    QTest::newRow("space in host") << "http://exa mple.com/\n"_ba << none
                                   << QStringList { u"1 contains a space"_s } << none;
    QTest::newRow("ideographic space between two links")
        << "https://a.com/x.zip\xe3\x80\x80https://a.com/y.zip\n"_ba << none
        << QStringList { u"1 contains the space character U+3000; remove it"_s } << none;
    QTest::newRow("no-break space inside")
        << "https://a.com/a\xc2\xa0"
           "b.zip\n"_ba
        << none << QStringList { u"1 contains the space character U+00A0"_s } << none;
    QTest::newRow("line separator inside")
        << "https://a.com/a\xe2\x80\xa8"
           "b.zip\n"_ba
        << none << QStringList { u"1 contains the space character U+2028"_s } << none;
    QTest::newRow("NUL") << raw("http://example.com/a\x00.iso\n") << none
                         << QStringList { u"1 contains a control character"_s } << none;
    QTest::newRow("ESC") << "http://example.com/\x1B[31ma\n"_ba << none
                         << QStringList { u"1 contains a control character"_s } << none;
    QTest::newRow("lone CR") << "http://example.com/a\rX-Injected: 1\r\n"_ba << none
                             << QStringList { u"1 contains a control character"_s } << none;
    QTest::newRow("two CRs before LF") << "http://example.com/a\r\r\n"_ba << none
                                       << QStringList { u"1 contains a control character"_s } << none;
    QTest::newRow("CR-only line ends make one line")
        << "http://example.com/a\rhttp://example.com/b\r"_ba << none
        << QStringList { u"1 contains a control character"_s } << none;
    QTest::newRow("DEL") << "http://example.com/a\x7F\n"_ba << none
                         << QStringList { u"1 contains a control character"_s } << none;
    QTest::newRow("form feed") << "http://example.com/a\f\n"_ba << none
                               << QStringList { u"1 contains a control character"_s } << none;
    QTest::newRow("C1 control NEL") << "http://example.com/a\xC2\x85\n"_ba << none
                                    << QStringList { u"1 contains a control character"_s } << none;
    QTest::newRow("invalid UTF-8 FF FE")
        << "\xFF\xFEhttp://example.com/a\n"_ba << none << QStringList { u"1 not valid UTF-8"_s } << none;
    QTest::newRow("Latin-1 byte") << "http://example.com/caf\xE9\n"_ba << none
                                  << QStringList { u"1 not valid UTF-8"_s } << none;
    QTest::newRow("lone continuation byte")
        << "http://example.com/\x80\n"_ba << none << QStringList { u"1 not valid UTF-8"_s } << none;
    QTest::newRow("overlong '/'") << "http://example.com/\xC0\xAF\n"_ba << none
                                  << QStringList { u"1 not valid UTF-8"_s } << none;
    QTest::newRow("surrogate") << "http://example.com/\xED\xA0\x80\n"_ba << none
                               << QStringList { u"1 not valid UTF-8"_s } << none;
    QTest::newRow("above U+10FFFF") << "http://example.com/\xF4\x90\x80\x80\n"_ba << none
                                    << QStringList { u"1 not valid UTF-8"_s } << none;
    QTest::newRow("truncated sequence at the end")
        << "http://example.com/\xE2\x82"_ba << none << QStringList { u"1 not valid UTF-8"_s } << none;
    QTest::newRow("BOM not at the start")
        << "http://example.com/a\n\xEF\xBB\xBFhttp://example.com/b\n"_ba
        << QStringList { u"1 http://example.com/a"_s } << QStringList { u"2 not a URL"_s } << none;
    QTest::newRow("'<' in path") << "http://example.com/<script>\n"_ba << none
                                 << QStringList { u"1 not a valid URL ('<' must be percent-encoded)"_s }
                                 << none;
    QTest::newRow("'{' in path") << "http://example.com/{a}\n"_ba << none
                                 << QStringList { u"1 ('{' must be percent-encoded)"_s } << none;
    QTest::newRow("backslash") << "http://example.com\\evil.com/\n"_ba << none
                               << QStringList { u"1 not a valid URL"_s } << none;
    QTest::newRow("bad percent escape")
        << "http://example.com/%zz\n"_ba << none << QStringList { u"1 not a valid URL"_s } << none;
    QTest::newRow("port out of range")
        << "http://example.com:99999/\n"_ba << none << QStringList { u"1 not a valid URL"_s } << none;
    QTest::newRow("bad host") << "http://a..b/\n"_ba << none << QStringList { u"1 not a valid URL"_s }
                              << none;
    QTest::newRow("bidi override in host") << "http://\xE2\x80\xAE"
                                              "exe.com/\n"_ba
                                           << none << QStringList { u"1 not a valid URL"_s } << none;
}

void TestUrlList::bindsOptions_data()
{
    addParseColumns();
    const QStringList none;

    QTest::newRow("out and dir bind to the URL above")
        << "http://example.com/1\n  out=one.iso\n  dir=/tmp/x\nhttp://example.com/2\n\tout=two.iso\n"
           "http://example.com/3\n"_ba
        << QStringList { u"1 http://example.com/1 out=one.iso dir=/tmp/x"_s,
                         u"4 http://example.com/2 out=two.iso"_s, u"6 http://example.com/3"_s }
        << none << none;
    QTest::newRow("names and values trimmed")
        << "http://example.com/1\n  out =  my file.iso \t\n\t dir\t= C:\\Downloads\r\n"_ba
        << QStringList { u"1 http://example.com/1 out=my file.iso dir=C:\\Downloads"_s } << none << none;
    QTest::newRow("across blank and comment lines")
        << "http://example.com/1\n\n# the name:\n  out=x.bin\n"_ba
        << QStringList { u"1 http://example.com/1 out=x.bin"_s } << none << none;
    QTest::newRow("value keeps '='") << "http://example.com/1\n  out=a=b.txt\n"_ba
                                     << QStringList { u"1 http://example.com/1 out=a=b.txt"_s } << none
                                     << none;
    QTest::newRow("non-ASCII value") << "http://example.com/1\n  out=Straße.iso\n"_ba
                                     << QStringList { u"1 http://example.com/1 out=Straße.iso"_s } << none
                                     << none;
    QTest::newRow("unknown option") << "http://example.com/1\n  split=5\n  out=x\n"_ba
                                    << QStringList { u"1 http://example.com/1 out=x"_s } << none
                                    << QStringList { u"2 option 'split' is not supported; ignored"_s };
    QTest::newRow("option names are case-sensitive")
        << "http://example.com/1\n  OUT=x\n"_ba << QStringList { u"1 http://example.com/1"_s } << none
        << QStringList { u"2 option 'OUT' is not supported"_s };
    QTest::newRow("option before any URL")
        << "# list\n  out=x\nhttp://example.com/1\n"_ba << QStringList { u"3 http://example.com/1"_s } << none
        << QStringList { u"2 option line before any URL; ignored"_s };
    QTest::newRow("option of a rejected URL")
        << "http://example.com/1\nftp://example.com/2\n  out=x\nhttp://example.com/4\n  out=y\n"_ba
        << QStringList { u"1 http://example.com/1"_s, u"4 http://example.com/4 out=y"_s }
        << QStringList { u"2 scheme 'ftp'"_s }
        << QStringList { u"3 option line belongs to the rejected URL on line 2; ignored"_s };
    QTest::newRow("option without '='")
        << "http://example.com/1\n  justtext\n"_ba << QStringList { u"1 http://example.com/1"_s } << none
        << QStringList { u"2 option line has no '='"_s };
    QTest::newRow("indented non-http text is an option line")
        << "http://example.com/1\n  mailto:joe@example.com\n"_ba
        << QStringList { u"1 http://example.com/1"_s } << none
        << QStringList { u"2 option line has no '='"_s };
    QTest::newRow("indented URL starts a new entry")
        << "http://example.com/1\n  http://example.com/2\n  out=two\n"_ba
        << QStringList { u"1 http://example.com/1"_s, u"2 http://example.com/2 out=two"_s } << none << none;
    QTest::newRow("empty value") << "http://example.com/1\n  out=\n"_ba
                                 << QStringList { u"1 http://example.com/1"_s } << none
                                 << QStringList { u"2 option 'out' has no value"_s };
    QTest::newRow("empty name") << "http://example.com/1\n  =x\n"_ba
                                << QStringList { u"1 http://example.com/1"_s } << none
                                << QStringList { u"2 no name before '='"_s };
    QTest::newRow("given twice: the last wins")
        << "http://example.com/1\n  out=a\n  out=b\n"_ba << QStringList { u"1 http://example.com/1 out=b"_s }
        << none << QStringList { u"3 option 'out' given again"_s };
    QTest::newRow("control character in a value")
        << "http://example.com/1\n  out=a\x1B[2Jb\n"_ba << QStringList { u"1 http://example.com/1"_s } << none
        << QStringList { u"2 option line contains a control character"_s };
    QTest::newRow("tab inside a value")
        << "http://example.com/1\n  out=a\tb\n"_ba << QStringList { u"1 http://example.com/1"_s } << none
        << QStringList { u"2 control character"_s };
    QTest::newRow("invalid UTF-8 in a value")
        << "http://example.com/1\n  out=\xFF.iso\n"_ba << QStringList { u"1 http://example.com/1"_s } << none
        << QStringList { u"2 option line is not valid UTF-8"_s };
    QTest::newRow("overlong option line")
        << QByteArray("http://example.com/1\n  out=" + QByteArray(70000, 'x') + "\n  dir=d\n")
        << QStringList { u"1 http://example.com/1 dir=d"_s } << none
        << QStringList { u"2 option line is longer than 64 KiB"_s };
}

void TestUrlList::usesFirstMirror_data()
{
    addParseColumns();
    const QStringList none;

    QTest::newRow("two mirrors") << "http://a.example/f\thttp://b.example/f\n"_ba
                                 << QStringList { u"1 http://a.example/f"_s } << none
                                 << QStringList { u"1 1 other URL on this line was ignored"_s };
    QTest::newRow("three mirrors") << "http://a.example/f\thttp://b.example/f\thttps://c.example/f\n"_ba
                                   << QStringList { u"1 http://a.example/f"_s } << none
                                   << QStringList { u"1 2 other URLs on this line were ignored"_s };
    QTest::newRow("first unusable, second used")
        << "ftp://a.example/f\thttps://b.example/f\n"_ba << QStringList { u"1 https://b.example/f"_s } << none
        << QStringList { u"1 1 other URL"_s };
    QTest::newRow("none usable: first reason")
        << "ftp://a.example/f\tfile:///f\n"_ba << none << QStringList { u"1 (scheme 'ftp')"_s } << none;
    QTest::newRow("empty fields do not count")
        << "http://a.example/f\t\t\n\thttp://b.example/g\t\thttp://c.example/g\n"_ba
        << QStringList { u"1 http://a.example/f"_s, u"2 http://b.example/g"_s } << none
        << QStringList { u"2 1 other URL"_s };
    QTest::newRow("control character in a mirror rejects the line")
        << "http://a.example/f\thttp://b.example/\x1B\n"_ba << none
        << QStringList { u"1 contains a control character"_s } << none;
    QTest::newRow("options bind to the mirrored entry")
        << "http://a.example/f\thttp://b.example/f\n  out=f.bin\n"_ba
        << QStringList { u"1 http://a.example/f out=f.bin"_s } << none << QStringList { u"1 1 other URL"_s };
}

void TestUrlList::showsLinesPrintableAndMasked_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("isWarning");
    QTest::addColumn<QString>("text");

    QTest::newRow("plain") << "ftp://example.com/a\n"_ba << false << u"ftp://example.com/a"_s;
    QTest::newRow("line kept as written, CR removed")
        << "ftp://example.com/a  \r\n"_ba << false << u"ftp://example.com/a  "_s;
    QTest::newRow("ESC") << "http://example.com/\x1B[31m\n"_ba << false << u"http://example.com/\\x1B[31m"_s;
    QTest::newRow("NUL") << raw("http://x/\x00y\n") << false << u"http://x/\\x00y"_s;
    QTest::newRow("lone CR") << "http://x/\ry\n"_ba << false << u"http://x/\\x0Dy"_s;
    QTest::newRow("DEL") << "http://x/\x7F\n"_ba << false << u"http://x/\\x7F"_s;
    QTest::newRow("C1 as its two bytes") << "http://x/\xC2\x9B"
                                            "1m\n"_ba
                                         << false << u"http://x/\\xC2\\x9B1m"_s;
    QTest::newRow("invalid UTF-8") << "\xFF\xFEhttp://x/\n"_ba << false << u"\\xFF\\xFEhttp://x/"_s;
    QTest::newRow("truncated sequence") << "http://x/\xE2\x82"_ba << false << u"http://x/\\xE2\\x82"_s;
    QTest::newRow("valid non-ASCII kept") << "ftp://x/日本\n"_ba << false << u"ftp://x/日本"_s;
    QTest::newRow("bidi override spelled out") << "ftp://x/\xE2\x80\xAE"
                                                  "fdp.exe\n"_ba
                                               << false << u"ftp://x/\\u{202E}fdp.exe"_s;
    QTest::newRow("password masked") << "ftp://user:secret@example.com/f\n"_ba << false
                                     << u"ftp://user:***@example.com/f"_s;
    QTest::newRow("password with '@' and space masked")
        << "http://user:se@c ret@example.com/f\n"_ba << false << u"http://user:***@example.com/f"_s;
    QTest::newRow("password masked on an invalid line")
        << "http://user:hunter2@example.com/\x01\n"_ba << false << u"http://user:***@example.com/\\x01"_s;
    QTest::newRow("user without password unchanged")
        << "ftp://user@example.com/f\n"_ba << false << u"ftp://user@example.com/f"_s;
    QTest::newRow("port and '@' in path unchanged")
        << "ftp://example.com:21/@me/a:b\n"_ba << false << u"ftp://example.com:21/@me/a:b"_s;
    QTest::newRow("password masked in a mirror warning")
        << "http://a.example/f\tftp://u:pw@b.example/f\n"_ba << true
        << u"http://a.example/f\\x09ftp://u:***@b.example/f"_s;
    QTest::newRow("value of an unsupported option masked")
        << "http://a.example/f\n  http-passwd = hunter2\n"_ba << true << u"  http-passwd =***"_s;
    QTest::newRow("masked value with trailing blanks")
        << "http://a.example/f\n\theader=Authorization: Bearer abc \t\n"_ba << true << u"\\x09header=***"_s;
    QTest::newRow("masked value of an option before any URL")
        << "  http-passwd=hunter2\nhttp://a.example/f\n"_ba << true << u"  http-passwd=***"_s;
    QTest::newRow("out value shown") << "http://a.example/f\n  out=\n"_ba << true << u"  out="_s;
    QTest::newRow("astral character kept") << "ftp://x/\xF0\x9F\x98\x80\n"_ba << false << u"ftp://x/😀"_s;
    QTest::newRow("cut at 120 characters") << QByteArray("ftp://x/" + QByteArray(200, 'a') + '\n') << false
                                           << QString(u"ftp://x/"_s + QString(112, u'a') + u'…');
    QTest::newRow("exactly 120 characters not cut") << QByteArray("ftp://x/" + QByteArray(112, 'a') + '\n')
                                                    << false << QString(u"ftp://x/"_s + QString(112, u'a'));
    QTest::newRow("cut never splits an escape")
        << QByteArray("ftp://x/" + QByteArray(110, 'a') + "\x01\x02zz\n") << false
        << QString(u"ftp://x/"_s + QString(110, u'a') + u'…');
}

void TestUrlList::showsLinesPrintableAndMasked()
{
    QFETCH(QByteArray, input);
    QFETCH(bool, isWarning);
    QFETCH(QString, text);

    const UrlList list = UrlList::parse(input);
    const QList<UrlList::Rejected> &records = isWarning ? list.warnings() : list.rejected();
    QCOMPARE(records.size(), 1);
    QCOMPARE(records.first().text, text);
}

void TestUrlList::rejectsOverlongLineQuickly_data()
{
    QTest::addColumn<qsizetype>("lineBytes");
    QTest::addColumn<bool>("accepted");

    QTest::newRow("exactly 64 KiB") << UrlList::kMaxLineBytes << true;
    QTest::newRow("64 KiB + 1") << UrlList::kMaxLineBytes + 1 << false;
    QTest::newRow("1 MiB") << qsizetype(1024 * 1024) << false;
    QTest::newRow("64 MiB") << qsizetype(64 * 1024 * 1024) << false;
}

void TestUrlList::rejectsOverlongLineQuickly()
{
    QFETCH(qsizetype, lineBytes);
    QFETCH(bool, accepted);

    // A valid URL apart from its length, with a password, then CRLF and a good line: the long line must
    // not swallow or break what follows, and its text must not show the password.
    const QByteArray head = "http://user:secret@example.com/";
    QByteArray input = head + QByteArray(lineBytes - head.size(), 'a') + "\r\nhttp://example.com/next\n";

    QElapsedTimer timer;
    timer.start();
    const UrlList list = UrlList::parse(input);
    const qint64 elapsedMs = timer.elapsed();

    // Generous enough for a sanitizer build on a loaded machine; a quadratic scan of 64 MiB would not be.
    QVERIFY2(elapsedMs < 5000, qPrintable(QString::number(elapsedMs) + u" ms"_s));
    QCOMPARE(list.entries().size(), accepted ? 2 : 1);
    QCOMPARE(list.entries().last().lineNumber, 2);
    QCOMPARE(list.entries().last().url, QUrl(u"http://example.com/next"_s));
    QVERIFY(list.warnings().isEmpty());
    if (accepted) {
        QVERIFY(list.rejected().isEmpty());
        QCOMPARE(list.entries().first().url.path().size(), lineBytes - head.size() + 1);
        return;
    }
    QCOMPARE(list.rejected().size(), 1);
    const UrlList::Rejected &rejected = list.rejected().first();
    QCOMPARE(rejected.lineNumber, 1);
    QCOMPARE(rejected.reason, u"line is longer than 64 KiB"_s);
    QCOMPARE(rejected.text, QString(u"http://user:***@example.com/"_s + QString(92, u'a') + u'…'));
}

void TestUrlList::parsesManyLines()
{
    constexpr int kLines = 100000;
    QByteArray input;
    input.reserve(kLines * 40);
    for (int i = 1; i <= kLines; ++i) {
        input += "https://example.com/file-" + QByteArray::number(i) + ".bin\n";
        if (i % 1000 == 0)
            input += "  out=batch-" + QByteArray::number(i) + ".bin\n";
    }

    const UrlList list = UrlList::parse(input);
    QCOMPARE(list.entries().size(), kLines);
    QVERIFY(list.rejected().isEmpty());
    QVERIFY(list.warnings().isEmpty());
    const UrlList::Entry &last = list.entries().last();
    QCOMPARE(last.url, QUrl(u"https://example.com/file-100000.bin"_s));
    QCOMPARE(last.fileName, u"batch-100000.bin"_s);
    QCOMPARE(last.lineNumber, kLines + kLines / 1000 - 1);
    QCOMPARE(list.entries().at(998).fileName, QString());
    QCOMPARE(list.entries().at(999).fileName, u"batch-1000.bin"_s);
}

void TestUrlList::survivesBinaryGarbage_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<qsizetype>("size");
    QTest::addColumn<QByteArray>("alphabet"); // empty: any byte

    QTest::newRow("uniform bytes, seed 1") << 1u << qsizetype(1024 * 1024) << QByteArray();
    QTest::newRow("uniform bytes, seed 2024") << 2024u << qsizetype(1024 * 1024) << QByteArray();
    // Bytes the parser treats specially, so that short lines, indentation, comments, options, schemes,
    // userinfo, mirrors and multi-byte sequences all occur many times. Smaller, so that the number of
    // lines stays under the reporting cap.
    QTest::newRow("URL-ish alphabet")
        << 7u << qsizetype(128 * 1024)
        << raw("\n\r  \t\t#=:@/?%hHtTpPsS:/.aZ09\x00\x1B\x7F\x80\xC2\xC3\xE2\xED\xF0\xF4\xFF");
}

void TestUrlList::survivesBinaryGarbage()
{
    QFETCH(quint32, seed);
    QFETCH(qsizetype, size);
    QFETCH(QByteArray, alphabet);

    QRandomGenerator random(seed);
    QByteArray input(size, Qt::Uninitialized);
    for (char &c : input) {
        const quint32 r = random.generate();
        c = alphabet.isEmpty()
            ? static_cast<char>(r & 0xFF)
            : alphabet.at(static_cast<qsizetype>(r % static_cast<quint32>(alphabet.size())));
    }

    const UrlList list = UrlList::parse(input);

    // Counted independently: every line that is neither blank nor a comment must come back as exactly one
    // rejected line or (an option line, with no URL to belong to) one warning.
    int lines = 0;
    int meaningful = 0;
    for (QByteArray line : input.split('\n')) {
        ++lines;
        if (line.endsWith('\r'))
            line.chop(1);
        qsizetype first = 0;
        while (first < line.size() && (line[first] == ' ' || line[first] == '\t'))
            ++first;
        if (first < line.size() && line[first] != '#')
            ++meaningful;
    }
    QVERIFY(meaningful > 100);
    QVERIFY(list.entries().isEmpty());
    QCOMPARE(list.rejected().size() + list.warnings().size(), meaningful);

    QSet<int> seen;
    for (const QList<UrlList::Rejected> *records : { &list.rejected(), &list.warnings() }) {
        int previous = 0;
        for (const UrlList::Rejected &record : *records) {
            QVERIFY(record.lineNumber > previous);
            QVERIFY(record.lineNumber <= lines);
            QVERIFY2(!seen.contains(record.lineNumber), "a line reported twice");
            seen.insert(record.lineNumber);
            previous = record.lineNumber;
            QVERIFY(!record.reason.isEmpty());
            QVERIFY(record.text.size() <= 121);
            for (const QChar c : record.text)
                QVERIFY2(c.unicode() >= 0x20 && c.unicode() != 0x7F
                             && !(c.unicode() >= 0x80 && c.unicode() <= 0x9F),
                         qPrintable(record.text));
        }
    }
}

void TestUrlList::summarisesFloodOfBadLines_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<bool>("isWarning");

    QTest::newRow("rejected lines") << "bad\n"_ba << false;
    QTest::newRow("warnings") << "  out=x\n"_ba << true;
}

void TestUrlList::summarisesFloodOfBadLines()
{
    QFETCH(QByteArray, line);
    QFETCH(bool, isWarning);

    constexpr int kLines = 25000;
    const QByteArray input = "\n" + line.repeated(kLines);
    const UrlList list = UrlList::parse(input);
    const QList<UrlList::Rejected> &records = isWarning ? list.warnings() : list.rejected();
    const QList<UrlList::Rejected> &others = isWarning ? list.rejected() : list.warnings();

    QVERIFY(others.isEmpty());
    QVERIFY(list.entries().isEmpty());
    QCOMPARE(records.size(), 10001);
    QCOMPARE(records.at(9999).lineNumber, 10001);
    QVERIFY(!records.at(9999).text.isEmpty());
    const UrlList::Rejected &summary = records.last();
    QCOMPARE(summary.lineNumber, 10002);
    QVERIFY(summary.text.isEmpty());
    QVERIFY2(summary.reason.startsWith(u"15000 more "_s), qPrintable(summary.reason));
}

QTEST_GUILESS_MAIN(TestUrlList)
#include "tst_urllist.moc"
