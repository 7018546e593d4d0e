#include "urlextractor.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using heiko::UrlExtractor;
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

void verifyList(const UrlList &list, const QStringList &entries, const QStringList &rejected,
                const QStringList &warnings)
{
    QCOMPARE(describe(list.entries()), entries);
    QString message;
    QVERIFY2(matches(list.rejected(), rejected, &message), qPrintable(u"rejected: "_s + message));
    QVERIFY2(matches(list.warnings(), warnings, &message), qPrintable(u"warnings: "_s + message));
}

// Every record must be printable, short and in line order: what a preview shows of untrusted input.
void verifyRecordsShowable(const UrlList &list)
{
    for (const QList<UrlList::Rejected> *records : { &list.rejected(), &list.warnings() }) {
        int previous = 0;
        for (const UrlList::Rejected &record : *records) {
            QVERIFY(record.lineNumber >= previous);
            previous = record.lineNumber;
            QVERIFY(!record.reason.isEmpty());
            QVERIFY(record.text.size() <= 121);
            for (const QChar c : record.text)
                QVERIFY2(c.unicode() >= 0x20 && c.unicode() != 0x7F, qPrintable(record.text));
        }
    }
}

QByteArray utf16le(const QString &text)
{
    QByteArray out;
    for (const QChar c : text) {
        out.append(static_cast<char>(c.unicode() & 0xFF));
        out.append(static_cast<char>(c.unicode() >> 8));
    }
    return out;
}

QByteArray randomBytes(quint32 seed, qsizetype size, const QByteArray &alphabet)
{
    QRandomGenerator random(seed);
    QByteArray bytes(size, Qt::Uninitialized);
    for (char &c : bytes) {
        const quint32 r = random.generate();
        c = alphabet.isEmpty()
            ? static_cast<char>(r & 0xFF)
            : alphabet.at(static_cast<qsizetype>(r % static_cast<quint32>(alphabet.size())));
    }
    return bytes;
}

} // namespace

class TestUrlExtractor final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void fromTextFindsUrlsInProse_data();
    void fromTextFindsUrlsInProse();
    void fromTextSplitsAtUnicodeSpaces();
    void fromTextReadsLists_data();
    void fromTextReadsLists();

    void fromUriList_data();
    void fromUriList();

    void fromHtml_data();
    void fromHtml();

    void fromCsv_data();
    void fromCsv();

    void fromListFile_data();
    void fromListFile();
    void fromListFileRefuses_data();
    void fromListFileRefuses();
    void fromListFileRefusesOver100MBUnread();
    void fromListFileClearsError();

    void normalizedUrl_data();
    void normalizedUrl();

    void checkUrl_data();
    void checkUrl();
    void builderKeepsTheCap();
    void appendPrefixesSourceAndKeepsTheCap();

    void pathologicalInputIsLinear_data();
    void pathologicalInputIsLinear();
    void survivesGarbage_data();
    void survivesGarbage();

private:
    QTemporaryDir m_dir;
};

void TestUrlExtractor::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void TestUrlExtractor::fromTextFindsUrlsInProse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("entries");
    QTest::addColumn<QStringList>("rejected");
    const QStringList none;

    QTest::newRow("the brief's example")
        << u"see https://a.example/x.zip, and (https://b.example/y.iso)."_s
        << QStringList { u"1 https://a.example/x.zip"_s, u"1 https://b.example/y.iso"_s } << none;
    QTest::newRow("balanced parentheses stay")
        << u"Read https://en.wikipedia.org/wiki/Foo_(bar) today"_s
        << QStringList { u"1 https://en.wikipedia.org/wiki/Foo_(bar)"_s } << none;
    QTest::newRow("balanced inside, unbalanced outside")
        << u"(see https://en.wikipedia.org/wiki/Foo_(bar))."_s
        << QStringList { u"1 https://en.wikipedia.org/wiki/Foo_(bar)"_s } << none;
    QTest::newRow("square brackets") << u"[https://a.example/x] and [1](https://b.example/y)"_s
                                     << QStringList { u"1 https://a.example/x"_s, u"1 https://b.example/y"_s }
                                     << none;
    QTest::newRow("trailing punctuation")
        << u"Get https://a.example/f.iso! Or https://b.example/g? No: "
           "https://c.example/h; 'https://d.example/i' **https://e.example/j**"_s
        << QStringList { u"1 https://a.example/f.iso"_s, u"1 https://b.example/g"_s,
                         u"1 https://c.example/h"_s, u"1 https://d.example/i"_s, u"1 https://e.example/j"_s }
        << none;
    QTest::newRow("query and fragment kept")
        << u"url: https://a.example/b?x=1&y=2#top."_s
        << QStringList { u"1 https://a.example/b?x=1&y=2#top"_s } << none;
    QTest::newRow("angle brackets and double quotes")
        << u"<https://a.example/1> \"https://b.example/2\" <a href=\"https://c.example/3\">"_s
        << QStringList { u"1 https://a.example/1"_s, u"1 https://b.example/2"_s, u"1 https://c.example/3"_s }
        << none;
    QTest::newRow("typographic quotes and guillemets")
        << u"\u201Chttps://a.example/1\u201D \u00ABhttps://b.example/2\u00BB \u2018https://c.example/3\u2019"_s
        << QStringList { u"1 https://a.example/1"_s, u"1 https://b.example/2"_s, u"1 https://c.example/3"_s }
        << none;
    QTest::newRow("CJK punctuation")
        << u"\u30C0\u30A6\u30F3\u30ED\u30FC\u30C9\uFF1Ahttps://a.example/f.zip\u3002\u6B21\u3010https://b.example/g\u3011"_s
        << QStringList { u"1 https://a.example/f.zip"_s, u"1 https://b.example/g"_s } << none;
    QTest::newRow("ellipsis and no-break space")
        << u"https://a.example/1\u2026 https://b.example/2\u00A0next"_s
        << QStringList { u"1 https://a.example/1"_s, u"1 https://b.example/2"_s } << none;
    QTest::newRow("line numbers")
        << u"Hello\nfirst https://a.example/1\n\nsecond http://b.example/2 third\r\nhttps://c.example/3 end"_s
        << QStringList { u"2 https://a.example/1"_s, u"4 http://b.example/2"_s, u"5 https://c.example/3"_s }
        << none;
    QTest::newRow("scheme in capitals")
        << u"Try HTTPS://A.EXAMPLE/File now"_s << QStringList { u"1 https://a.example/File"_s } << none;
    QTest::newRow("comma-joined links are two")
        << u"links: https://a.example/x.zip,https://b.example/y.zip;http://c.example/z"_s
        << QStringList { u"1 https://a.example/x.zip"_s, u"1 https://b.example/y.zip"_s,
                         u"1 http://c.example/z"_s }
        << none;
    QTest::newRow("commas inside a link stay") << u"see https://a.example/x?a=1,2,3 now"_s
                                               << QStringList { u"1 https://a.example/x?a=1,2,3"_s } << none;
    QTest::newRow("an archived link is one link")
        << u"see https://web.archive.org/web/2020/https://a.example/ now"_s
        << QStringList { u"1 https://web.archive.org/web/2020/https://a.example/"_s } << none;
    QTest::newRow("not after a letter or digit")
        << u"xhttps://a.example/1 2http://b.example/2 word"_s << none << none;
    QTest::newRow("IDN host and non-ASCII path")
        << u"see https://bücher.de/straße/日本.txt now"_s
        << QStringList { u"1 https://xn--bcher-kva.de/stra%C3%9Fe/%E6%97%A5%E6%9C%AC.txt"_s } << none;
    QTest::newRow("emoji after a space")
        << u"https://a.example/1 😀 done"_s << QStringList { u"1 https://a.example/1"_s } << none;
    QTest::newRow("NUL and control characters end a link")
        << QString(u"a"_s + QChar(0) + u"https://a.example/b"_s + QChar(0) + u"c\x1B[31m"_s)
        << QStringList { u"1 https://a.example/b"_s } << none;
    QTest::newRow("zero-width and bidi characters end a link")
        << u"https://a.example/1\u200Bx https://b.example/2\u202Eexe.moc"_s
        << QStringList { u"1 https://a.example/1"_s, u"1 https://b.example/2"_s } << none;
    QTest::newRow("bare schemes are talk, not links")
        << u"Links start with http:// or https://, (https://) for instance."_s << none << none;
    QTest::newRow("broken http link reported")
        << u"broken: http://a..b/ here\nand https://[::1 there"_s << none
        << QStringList { u"1 not a valid URL"_s, u"2 not a valid URL"_s };
    QTest::newRow("other schemes in prose are ignored")
        << u"ftp://a.example/x and mailto:joe@example.com and file:///etc/passwd are words here"_s << none
        << none;
    QTest::newRow("prose words are never rejected")
        << u"Dear Joe,\nplease fetch these:\n  - www.example.com/a\n  - example.org/b.zip\nThanks!"_s << none
        << none;
    QTest::newRow("a sentence starting with a link")
        << u"https://a.example/x.zip is the file you want"_s << QStringList { u"1 https://a.example/x.zip"_s }
        << none;
    QTest::newRow("one prose line makes the list prose")
        << u"Here are the files:\nhttps://a.example/1\nftp://b.example/2\n  out=ignored\nhttps://c.example/3"_s
        << QStringList { u"2 https://a.example/1"_s, u"5 https://c.example/3"_s } << none;
    QTest::newRow("unencoded space in a list line: cut at the space")
        << u"http://example.com/a b.iso"_s << QStringList { u"1 http://example.com/a"_s } << none;
    QTest::newRow("a 1 MB link is rejected, the next found")
        << QString(u"x https://a.example/"_s + QString(1024 * 1024, u'a') + u" y https://b.example/2"_s)
        << QStringList { u"1 https://b.example/2"_s } << QStringList { u"1 URL is longer than 64 KiB"_s };
    // QString::toUtf8() would turn it into '?', starting a query.
    QTest::newRow("a lone surrogate ends a link")
        << QString(u"x https://a.example/a"_s + QChar(0xD800) + u"b y"_s)
        << QStringList { u"1 https://a.example/a"_s } << none;
}

void TestUrlExtractor::fromTextSplitsAtUnicodeSpaces()
{
    // Two links with an ideographic (or no-break) space between them, as CJK text or a web page has them, are
    // two downloads: never one URL made of both.
    for (const QString &space : { u"\u3000"_s, u"\u00a0"_s, u"\u2028"_s }) {
        const QString text
            = u"https://a.example/x.zip"_s + space + u"https://a.example/y.zip\nhttps://a.example/z.zip"_s;
        const UrlList list = UrlExtractor::fromText(text);
        QCOMPARE(describe(list.entries()),
                 (QStringList { u"1 https://a.example/x.zip"_s, u"1 https://a.example/y.zip"_s,
                                u"2 https://a.example/z.zip"_s }));
    }
}

void TestUrlExtractor::fromTextFindsUrlsInProse()
{
    QFETCH(QString, text);
    QFETCH(QStringList, entries);
    QFETCH(QStringList, rejected);

    const UrlList list = UrlExtractor::fromText(text);
    verifyList(list, entries, rejected, {});
    verifyRecordsShowable(list);
}

void TestUrlExtractor::fromTextReadsLists_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("entries");
    QTest::addColumn<QStringList>("rejected");
    QTest::addColumn<QStringList>("warnings");
    const QStringList none;

    QTest::newRow("aria2 list with options, comments and a bad line")
        << u"https://a.example/1\nftp://b.example/2\n  out=x\n# comment with prose "
           u"words\nhttps://c.example/5\n"
           "  out=five.iso\n\tdir=sub/dir\n  split=4\n"_s
        << QStringList { u"1 https://a.example/1"_s, u"5 https://c.example/5 out=five.iso dir=sub/dir"_s }
        << QStringList { u"2 scheme 'ftp'"_s }
        << QStringList { u"3 belongs to the rejected URL on line 2"_s,
                         u"8 option 'split' is not supported"_s };
    QTest::newRow("CRLF and a BOM") << u"\uFEFFhttps://a.example/1\r\nhttps://a.example/2\r\n"_s
                                    << QStringList { u"1 https://a.example/1"_s, u"2 https://a.example/2"_s }
                                    << none << none;
    QTest::newRow("duplicates are kept")
        << u"https://a.example/1\nhttps://a.example/1"_s
        << QStringList { u"1 https://a.example/1"_s, u"2 https://a.example/1"_s } << none << none;
    QTest::newRow("mirrors on one line")
        << u"https://a.example/f\thttps://b.example/f"_s << QStringList { u"1 https://a.example/f"_s } << none
        << QStringList { u"1 1 other URL"_s };
    QTest::newRow("typo'd scheme is reported")
        << u"https://a.example/1\nhtp://b.example/2"_s << QStringList { u"1 https://a.example/1"_s }
        << QStringList { u"2 scheme 'htp'"_s } << none;
    QTest::newRow("http: without slashes")
        << u"http:example.com"_s << none << QStringList { u"1 URL has no host"_s } << none;
    QTest::newRow("a link and its mirror joined by a comma")
        << u"https://a.example/x.zip,https://b.example/y.zip"_s
        << QStringList { u"1 https://a.example/x.zip,https://b.example/y.zip"_s } << none << none;
    QTest::newRow("indented link") << u"  https://a.example/1\n\thttps://a.example/2"_s
                                   << QStringList { u"1 https://a.example/1"_s, u"2 https://a.example/2"_s }
                                   << none << none;
    QTest::newRow("comments only: nothing")
        << u"# https://a.example/1\n#https://a.example/2\n"_s << none << none << none;
    QTest::newRow("empty") << QString() << none << none << none;
    QTest::newRow("blank lines only") << u"\n  \n\t\r\n"_s << none << none << none;
    QTest::newRow("no-break space at the end, as copied from a web page")
        << u"https://a.example/x.zip\u00a0\nhttps://a.example/y.zip\u3000"_s
        << QStringList { u"1 https://a.example/x.zip"_s, u"2 https://a.example/y.zip"_s } << none << none;
    QTest::newRow("control character in a list line")
        << u"https://a.example/1\x1B[2J\nhttps://a.example/2"_s << QStringList { u"2 https://a.example/2"_s }
        << QStringList { u"1 contains a control character"_s } << none;
}

void TestUrlExtractor::fromTextReadsLists()
{
    QFETCH(QString, text);
    QFETCH(QStringList, entries);
    QFETCH(QStringList, rejected);
    QFETCH(QStringList, warnings);

    const UrlList list = UrlExtractor::fromText(text);
    verifyList(list, entries, rejected, warnings);
    // "Exactly like parse()".
    const UrlList parsed = UrlList::parse(text.toUtf8());
    QCOMPARE(describe(list.entries()), describe(parsed.entries()));
    QCOMPARE(list.rejected().size(), parsed.rejected().size());
    QCOMPARE(list.warnings().size(), parsed.warnings().size());
}

void TestUrlExtractor::fromUriList_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QStringList>("entries");
    QTest::addColumn<QStringList>("rejected");
    QTest::addColumn<QStringList>("localFiles");
    const QStringList none;

    QTest::newRow("RFC 2483 with comment, file and ftp")
        << "# dragged from a browser\r\nhttps://a.example/1\r\nfile:///tmp/list.txt\r\nftp://b.example/2\r\n"_ba
        << QStringList { u"2 https://a.example/1"_s } << QStringList { u"4 scheme 'ftp'"_s }
        << QStringList { u"/tmp/list.txt"_s };
    QTest::newRow("LF only, no final newline")
        << "https://a.example/1\nhttp://b.example/2"_ba
        << QStringList { u"1 https://a.example/1"_s, u"2 http://b.example/2"_s } << none << none;
    QTest::newRow("percent-encoded file path")
        << "file:///home/joe/my%20links.txt\r\nfile:///tmp/%C3%A9.csv\r\n"_ba << none << none
        << QStringList { u"/home/joe/my links.txt"_s, u"/tmp/é.csv"_s };
    QTest::newRow("file URL in capitals")
        << "FILE:///tmp/a.txt\r\n"_ba << none << none << QStringList { u"/tmp/a.txt"_s };
    QTest::newRow("a file on another computer is not read (Windows would hand it the user's credentials)")
        << "file://attacker.example/share/list.txt\r\nfile://localhost/tmp/b.txt\r\n"
           "file:////attacker.example/share/c.txt\r\n"_ba
        << none
        << QStringList { u"1 a file on another computer (attacker.example) is not read"_s,
                         u"3 not a valid file URL"_s }
        << QStringList { u"/tmp/b.txt"_s };
    QTest::newRow("relative file URL refused")
        << "file:a.txt\r\n"_ba << none << QStringList { u"1 not a valid file URL"_s } << none;
    QTest::newRow("blanks and blank lines") << "\r\n  https://a.example/1  \r\n\r\n"_ba
                                            << QStringList { u"2 https://a.example/1"_s } << none << none;
    QTest::newRow("javascript, mailto and data")
        << "javascript:alert(1)\r\nmailto:joe@example.com\r\ndata:text/plain,hi\r\n"_ba << none
        << QStringList { u"1 scheme 'javascript'"_s, u"2 scheme 'mailto'"_s, u"3 scheme 'data'"_s } << none;
    QTest::newRow("control character and NUL")
        << raw("https://a.example/\x1B[1m\r\nfile:///tmp/\x00x\r\nhttps://a.example/ok\r\n")
        << QStringList { u"3 https://a.example/ok"_s }
        << QStringList { u"1 contains a control character"_s, u"2 control character"_s } << none;
    QTest::newRow("invalid UTF-8") << "https://a.example/\xFF\r\n"_ba << none
                                   << QStringList { u"1 not valid UTF-8"_s } << none;
    QTest::newRow("empty") << QByteArray() << none << none << none;
}

void TestUrlExtractor::fromUriList()
{
    QFETCH(QByteArray, data);
    QFETCH(QStringList, entries);
    QFETCH(QStringList, rejected);
    QFETCH(QStringList, localFiles);

    const UrlExtractor::UriListResult result = UrlExtractor::fromUriList(data);
    verifyList(result.urls, entries, rejected, {});
    QCOMPARE(result.localFiles, localFiles);
    verifyRecordsShowable(result.urls);
}

void TestUrlExtractor::fromHtml_data()
{
    QTest::addColumn<QString>("html");
    QTest::addColumn<QStringList>("entries");
    QTest::addColumn<QStringList>("rejected");
    const QStringList none;

    QTest::newRow("one link") << u"<a href=\"https://a.example/x.zip\">x</a>"_s
                              << QStringList { u"1 https://a.example/x.zip"_s } << none;
    QTest::newRow("entities decoded")
        << u"<a href=\"https://a.example/x?a=1&amp;b=2&#38;c=3&#x26;d=&quot;4&quot;&#47;\">x</a>"_s
        << QStringList { u"1 https://a.example/x?a=1&b=2&c=3&d=%224%22/"_s } << none;
    QTest::newRow("unknown entity kept") << u"<a href=\"https://a.example/x?a=1&copy=2\">"_s
                                         << QStringList { u"1 https://a.example/x?a=1&copy=2"_s } << none;
    QTest::newRow("quoting styles and case")
        << u"<A HREF='https://a.example/1'>a</A><a href=https://b.example/2>b</a><a\thref = \"https://c.example/3\" >"_s
        << QStringList { u"1 https://a.example/1"_s, u"1 https://b.example/2"_s, u"1 https://c.example/3"_s }
        << none;
    QTest::newRow("area") << u"<map><area shape=rect href=\"https://a.example/map\"></map>"_s
                          << QStringList { u"1 https://a.example/map"_s } << none;
    QTest::newRow("relative links rejected")
        << u"<a href=\"/files/x.zip\">x</a>\n<a href=\"#top\">top</a>\n<a href=\"//cdn.example/y\">y</a>"_s
        << none << QStringList { u"1 relative link"_s, u"2 relative link"_s, u"3 relative link"_s };
    QTest::newRow("javascript and mailto rejected")
        << u"<a href=\"javascript:void(0)\">j</a><a href=\"mailto:joe@example.com\">m</a>"_s << none
        << QStringList { u"1 scheme 'javascript'"_s, u"1 scheme 'mailto'"_s };
    QTest::newRow("comments, script and style ignored")
        << u"<!-- <a href=\"https://x.example/1\"> --><script>if (a < b) s = \"<a "
           u"href='https://x.example/2'>\";</script>"
           "<STYLE>a[href=\"https://x.example/3\"]{}</STYLE><a href=\"https://a.example/4\">"_s
        << QStringList { u"1 https://a.example/4"_s } << none;
    QTest::newRow("line of the tag")
        << u"<p>\n<a\n href='https://a.example/1'>one</a>\n\n<a href=\"https://a.example/2\">"_s
        << QStringList { u"2 https://a.example/1"_s, u"5 https://a.example/2"_s } << none;
    QTest::newRow("'>' inside a quoted attribute") << u"<a title=\"a > b\" href=\"https://a.example/1\">"_s
                                                   << QStringList { u"1 https://a.example/1"_s } << none;
    QTest::newRow("other attributes and tags")
        << u"<a data-href=\"https://x.example/1\" href=\"https://a.example/2\" href=\"https://x.example/3\">"
           "<link href=\"https://x.example/4\"><abbr href=\"https://x.example/5\"><img src=\"https://x.example/6\">"_s
        << QStringList { u"1 https://a.example/2"_s } << none;
    QTest::newRow("blanks, tabs and newlines in the value")
        << u"<a href=\"  https://a.example/\n1\t \">"_s << QStringList { u"1 https://a.example/1"_s } << none;
    QTest::newRow("empty href and no href")
        << u"<a href=\"\">x</a><a name=\"n\">y</a><a>z</a>"_s << none << none;
    QTest::newRow("Chrome clipboard fragment")
        << u"<html><body>\r\n<!--StartFragment--><p>Files: <a href=\"https://a.example/1.iso\" "
           "style=\"color: blue;\">one</a>, <a "
           "href=\"https://a.example/2.iso\">two</a></p><!--EndFragment-->\r\n"
           "</body></html>"_s
        << QStringList { u"2 https://a.example/1.iso"_s, u"2 https://a.example/2.iso"_s } << none;
    QTest::newRow("unterminated quote")
        << u"<a href=\"https://a.example/1"_s << QStringList { u"1 https://a.example/1"_s } << none;
    QTest::newRow("unterminated tag at the end") << u"<a href="_s << none << none;
    QTest::newRow("space and quote encoded as a browser does")
        << u"<a href=\"https://a.example/a b&quot;c\">"_s
        << QStringList { u"1 https://a.example/a%20b%22c"_s } << none;
    QTest::newRow("backslash rejected") << u"<a href=\"https://a.example\\evil.example/\">"_s << none
                                        << QStringList { u"1 not a valid URL"_s };
    QTest::newRow("plain text is no link") << u"see https://a.example/1"_s << none << none;
}

void TestUrlExtractor::fromHtml()
{
    QFETCH(QString, html);
    QFETCH(QStringList, entries);
    QFETCH(QStringList, rejected);

    const UrlList list = UrlExtractor::fromHtml(html);
    verifyList(list, entries, rejected, {});
    verifyRecordsShowable(list);
}

void TestUrlExtractor::fromCsv_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QStringList>("entries");
    QTest::addColumn<QStringList>("rejected");
    QTest::addColumn<QStringList>("warnings");
    const QStringList none;

    QTest::newRow("URL,name; name optional")
        << "https://a.example/1,one.iso\nhttps://a.example/2\nhttps://a.example/3,\n"_ba
        << QStringList { u"1 https://a.example/1 out=one.iso"_s, u"2 https://a.example/2"_s,
                         u"3 https://a.example/3"_s }
        << none << none;
    QTest::newRow("header skipped") << "url,name\r\nhttps://a.example/1,x.bin\r\n"_ba
                                    << QStringList { u"2 https://a.example/1 out=x.bin"_s } << none << none;
    QTest::newRow("header names the columns")
        << "Title,File Name,URL\n\"A, B\",ab.iso,https://a.example/1\n"_ba
        << QStringList { u"2 https://a.example/1 out=ab.iso"_s } << none << none;
    QTest::newRow("header without a name column")
        << "link,description\nhttps://a.example/1,the first\n"_ba
        << QStringList { u"2 https://a.example/1"_s } << none << none;
    QTest::newRow("a first data row is no header")
        << "https://a.example/1,link\n"_ba << QStringList { u"1 https://a.example/1 out=link"_s } << none
        << none;
    QTest::newRow("quoted fields")
        << "\"https://a.example/x?a=1,2\",\"my \"\"best\"\" file.iso\"\n  \"https://a.example/y\" , \" padded \"\n"_ba
        << QStringList { u"1 https://a.example/x?a=1,2 out=my \"best\" file.iso"_s,
                         u"2 https://a.example/y out= padded "_s }
        << none << none;
    QTest::newRow("unterminated quote") << "\"https://a.example/1,name\nhttps://a.example/2,two\n"_ba
                                        << QStringList { u"2 https://a.example/2 out=two"_s }
                                        << QStringList { u"1 quoted field is not closed"_s } << none;
    QTest::newRow("bad URLs rejected with their reason")
        << "ftp://a.example/1,x\nnot a url,y\n,z\nhttps://a.example/4,w\n"_ba
        << QStringList { u"4 https://a.example/4 out=w"_s }
        << QStringList { u"1 scheme 'ftp'"_s, u"2 not a URL"_s, u"3 no URL in the first column"_s } << none;
    QTest::newRow("bad names: URL kept, warning")
        << "https://a.example/1,a\x1B[2Jb\nhttps://a.example/2,caf\xE9.iso\nhttps://a.example/3,a\tb\n"_ba
        << QStringList { u"1 https://a.example/1"_s, u"2 https://a.example/2"_s, u"3 https://a.example/3"_s }
        << none << QStringList { u"1 control character"_s, u"2 not valid UTF-8"_s, u"3 control character"_s };
    QTest::newRow("BOM, comments, blank lines, extra columns")
        << "\xEF\xBB\xBF# exported\n\nhttps://a.example/1,one,1234,2024-01-01\n"_ba
        << QStringList { u"3 https://a.example/1 out=one"_s } << none << none;
    QTest::newRow("non-ASCII name") << "https://a.example/1,Straße 日本.iso\n"_ba
                                    << QStringList { u"1 https://a.example/1 out=Straße 日本.iso"_s } << none
                                    << none;
    QTest::newRow("';' columns with a header (spreadsheets in many locales)")
        << "url;name\nhttps://a.example/x.zip;file.zip\nhttps://a.example/y.zip\n"_ba
        << QStringList { u"2 https://a.example/x.zip out=file.zip"_s, u"3 https://a.example/y.zip"_s } << none
        << none;
    QTest::newRow("';' without a header is part of the URL (\"report;v2.pdf\")")
        << "https://a.example/report;v2.pdf\nhttps://a.example/b.zip,name.zip\n"_ba
        << QStringList { u"1 https://a.example/report;v2.pdf"_s, u"2 https://a.example/b.zip out=name.zip"_s }
        << none << none;
    QTest::newRow("a ';' inside the URL is no separator")
        << "https://a.example/f.zip;jsessionid=A1\n"_ba
        << QStringList { u"1 https://a.example/f.zip;jsessionid=A1"_s } << none << none;
    QTest::newRow("a comma anywhere keeps ','")
        << "https://a.example/f;v=1,name.zip\n"_ba
        << QStringList { u"1 https://a.example/f;v=1 out=name.zip"_s } << none << none;
    QTest::newRow("overlong line") << QByteArray("https://a.example/" + QByteArray(70000, 'a')
                                                 + ",x\nhttps://a.example/2\n")
                                   << QStringList { u"2 https://a.example/2"_s }
                                   << QStringList { u"1 line is longer than 64 KiB"_s } << none;
}

void TestUrlExtractor::fromCsv()
{
    QFETCH(QByteArray, data);
    QFETCH(QStringList, entries);
    QFETCH(QStringList, rejected);
    QFETCH(QStringList, warnings);

    const UrlList list = UrlExtractor::fromCsv(data);
    verifyList(list, entries, rejected, warnings);
    verifyRecordsShowable(list);
}

void TestUrlExtractor::fromListFile_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QStringList>("entries");
    QTest::addColumn<QStringList>("rejected");
    const QStringList none;

    QTest::newRow(".txt list") << u"links.txt"_s << "https://a.example/1\nnot a url\n"_ba
                               << QStringList { u"1 https://a.example/1"_s }
                               << QStringList { u"2 not a URL"_s };
    QTest::newRow(".lst in capitals") << u"LINKS.LST"_s << "https://a.example/1\r\n"_ba
                                      << QStringList { u"1 https://a.example/1"_s } << none;
    QTest::newRow("aria2 input file without extension")
        << u"aria2-input"_s << "https://a.example/1\n  out=one.iso\n  dir=isos\n"_ba
        << QStringList { u"1 https://a.example/1 out=one.iso dir=isos"_s } << none;
    QTest::newRow(".csv") << u"export.csv"_s << "URL,Name\nhttps://a.example/1,\"one, two.iso\"\n"_ba
                          << QStringList { u"2 https://a.example/1 out=one, two.iso"_s } << none;
    QTest::newRow(".CSV in capitals") << u"EXPORT.CSV"_s << "https://a.example/1,one\n"_ba
                                      << QStringList { u"1 https://a.example/1 out=one"_s } << none;
    QTest::newRow(".html bookmarks")
        << u"bookmarks.html"_s
        << "<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<DL><p>\n<DT><A HREF=\"https://a.example/1\" ADD_DATE=\"1\">One</A>\n"_ba
        << QStringList { u"3 https://a.example/1"_s } << none;
    QTest::newRow("a .txt that is prose is read as a list")
        << u"notes.txt"_s << "Get https://a.example/1 today\n"_ba << none << QStringList { u"1 not a URL"_s };
    QTest::newRow("UTF-16 LE with BOM")
        << u"windows.txt"_s
        << QByteArray("\xFF\xFE" + utf16le(u"https://a.example/1\r\nhttps://a.example/2\r\n"_s))
        << QStringList { u"1 https://a.example/1"_s, u"2 https://a.example/2"_s } << none;
    QTest::newRow("Latin-1 line rejected, file read")
        << u"latin1.txt"_s << "https://a.example/caf\xE9\nhttps://a.example/2\n"_ba
        << QStringList { u"2 https://a.example/2"_s } << QStringList { u"1 not valid UTF-8"_s };
    QTest::newRow("NUL after the first 8 KiB: that line rejected")
        << u"late-nul.txt"_s
        << QByteArray(QByteArray("# padding\n").repeated(900)
                      + raw("https://a.example/\x00x\nhttps://a.example/2\n"))
        << QStringList { u"902 https://a.example/2"_s }
        << QStringList { u"901 contains a control character"_s };
    QTest::newRow("a 1 MB line") << u"long-line.txt"_s
                                 << QByteArray("https://a.example/1\nhttps://a.example/"
                                               + QByteArray(1024 * 1024, 'a') + "\nhttps://a.example/3\n")
                                 << QStringList { u"1 https://a.example/1"_s, u"3 https://a.example/3"_s }
                                 << QStringList { u"2 line is longer than 64 KiB"_s };
    QTest::newRow("empty file") << u"empty.txt"_s << QByteArray() << none << none;
}

void TestUrlExtractor::fromListFile()
{
    QFETCH(QString, fileName);
    QFETCH(QByteArray, content);
    QFETCH(QStringList, entries);
    QFETCH(QStringList, rejected);

    const QString path = m_dir.filePath(fileName);
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(content), content.size());
    file.close();

    QString error = u"stale"_s;
    const UrlList list = UrlExtractor::fromListFile(path, &error);
    QCOMPARE(error, QString());
    verifyList(list, entries, rejected, {});
    verifyRecordsShowable(list);
}

void TestUrlExtractor::fromListFileRefuses_data()
{
    QTest::addColumn<QString>("fileName"); // empty: the path is given in content (an existing non-file)
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("error");

    const QString notText = u"is not a text file"_s;
    QTest::newRow("PNG") << u"image.txt"_s << raw("\x89PNG\r\n\x1A\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
                         << notText;
    QTest::newRow("NUL in the first 8 KiB")
        << u"nul.txt"_s << raw("https://a.example/1\nhttps://a.example/2\x00\n") << notText;
    QTest::newRow("random bytes without NUL")
        << u"random.lst"_s << randomBytes(3, 64 * 1024, QByteArray("\x80\x9F\xA0\xC0\xC1\xF5\xFF\x01\x02", 9))
        << notText;
    QTest::newRow("UTF-16 without BOM (NUL bytes)")
        << u"utf16.txt"_s << utf16le(u"https://a.example/1\r\n"_s) << notText;
    QTest::newRow("UTF-32 with BOM") << u"utf32.txt"_s << raw("\xFF\xFE\x00\x00h\x00\x00\x00t\x00\x00\x00")
                                     << notText;
    QTest::newRow("missing file") << u"does-not-exist.txt"_s << QByteArray() << u"it does not exist"_s;
    QTest::newRow("folder") << QString() << m_dir.path().toUtf8() << u"is a folder"_s;
    QTest::newRow("device") << QString() << "/dev/null"_ba << u"is not a regular file"_s;
}

void TestUrlExtractor::fromListFileRefuses()
{
    QFETCH(QString, fileName);
    QFETCH(QByteArray, content);
    QFETCH(QString, error);

    QString path = QString::fromUtf8(content);
    if (!fileName.isEmpty()) {
        path = m_dir.filePath(fileName);
        if (!fileName.startsWith(u"does-not-exist"_s)) {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            QCOMPARE(file.write(content), content.size());
        }
    }
    QString actual;
    const UrlList list = UrlExtractor::fromListFile(path, &actual);
    QVERIFY2(actual.contains(error), qPrintable(actual));
    QVERIFY(list.entries().isEmpty());
    QVERIFY(list.rejected().isEmpty());
    QVERIFY(list.warnings().isEmpty());
}

void TestUrlExtractor::fromListFileRefusesOver100MBUnread()
{
    // Sparse files: nothing is written, and the refusal must not read them either.
    const QString over = m_dir.filePath(u"huge.txt"_s);
    const QString exact = m_dir.filePath(u"exactly-100MB.txt"_s);
    for (const auto &[path, size] : { std::pair { over, UrlExtractor::kMaxListFileBytes + 1 },
                                      std::pair { exact, UrlExtractor::kMaxListFileBytes } }) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QVERIFY(file.resize(size));
    }

    QElapsedTimer timer;
    timer.start();
    QString error;
    QVERIFY(UrlExtractor::fromListFile(over, &error).entries().isEmpty());
    QVERIFY2(error.contains(u"larger than 100 MB"_s), qPrintable(error));
    QVERIFY2(error.contains(u"Split it"_s), qPrintable(error));

    // At the limit the size is fine; the zeros make it binary, found from the first 8 KiB.
    QVERIFY(UrlExtractor::fromListFile(exact, &error).entries().isEmpty());
    QVERIFY2(error.contains(u"is not a text file"_s), qPrintable(error));
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed()) + u" ms"_s));

    QFile::remove(over);
    QFile::remove(exact);
}

void TestUrlExtractor::fromListFileClearsError()
{
    const QString path = m_dir.filePath(u"ok.txt"_s);
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write("https://a.example/1\n");
    file.close();

    QString error = u"from before"_s;
    QCOMPARE(UrlExtractor::fromListFile(path, &error).entries().size(), 1);
    QVERIFY(error.isEmpty());
    // A null error pointer is allowed.
    QCOMPARE(UrlExtractor::fromListFile(path, nullptr).entries().size(), 1);
    QVERIFY(UrlExtractor::fromListFile(m_dir.filePath(u"missing"_s), nullptr).entries().isEmpty());
}

void TestUrlExtractor::normalizedUrl_data()
{
    QTest::addColumn<QString>("a");
    QTest::addColumn<QString>("b");
    QTest::addColumn<bool>("same");

    QTest::newRow("case of scheme and host")
        << u"HTTPS://Example.COM/a"_s << u"https://example.com/a"_s << true;
    QTest::newRow("http default port") << u"http://example.com:80/a"_s << u"http://example.com/a"_s << true;
    QTest::newRow("https default port")
        << u"https://example.com:443/a"_s << u"https://example.com/a"_s << true;
    QTest::newRow("443 is not http's default")
        << u"http://example.com:443/a"_s << u"http://example.com/a"_s << false;
    QTest::newRow("other port") << u"https://example.com:8443/a"_s << u"https://example.com/a"_s << false;
    QTest::newRow("fragment") << u"https://example.com/a#part"_s << u"https://example.com/a"_s << true;
    QTest::newRow("empty path") << u"https://example.com"_s << u"https://example.com/"_s << true;
    QTest::newRow("path case kept") << u"https://example.com/A"_s << u"https://example.com/a"_s << false;
    QTest::newRow("query kept") << u"https://example.com/a?x=1"_s << u"https://example.com/a"_s << false;
    QTest::newRow("scheme kept") << u"http://example.com/a"_s << u"https://example.com/a"_s << false;
    QTest::newRow("IDN host") << u"https://bücher.de/a"_s << u"https://xn--bcher-kva.de/a"_s << true;
    QTest::newRow("non-ASCII path") << u"https://example.com/é"_s << u"https://example.com/%C3%A9"_s << true;
}

void TestUrlExtractor::normalizedUrl()
{
    QFETCH(QString, a);
    QFETCH(QString, b);
    QFETCH(bool, same);

    const QString na = UrlExtractor::normalizedUrl(QUrl(a));
    const QString nb = UrlExtractor::normalizedUrl(QUrl(b));
    QVERIFY2((na == nb) == same, qPrintable(na + u" vs "_s + nb));
    // A normal form is its own normal form.
    QCOMPARE(UrlExtractor::normalizedUrl(QUrl(na)), na);
}

void TestUrlExtractor::checkUrl_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("url"); // empty: rejected
    QTest::addColumn<QString>("reason");

    QTest::newRow("https") << "https://a.example/x"_ba << u"https://a.example/x"_s << QString();
    QTest::newRow("ftp") << "ftp://a.example/x"_ba << QString() << u"scheme 'ftp'"_s;
    QTest::newRow("tab") << "https://a.example/\tx"_ba << QString() << u"control character"_s;
    QTest::newRow("NUL") << raw("https://a.example/\x00") << QString() << u"control character"_s;
    QTest::newRow("invalid UTF-8") << "https://a.example/\xC0\xAF"_ba << QString() << u"not valid UTF-8"_s;
    QTest::newRow("over 64 KiB") << QByteArray("https://a.example/" + QByteArray(64 * 1024, 'a')) << QString()
                                 << u"longer than 64 KiB"_s;
    QTest::newRow("no host") << "https://"_ba << QString() << u"no host"_s;
}

void TestUrlExtractor::checkUrl()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, url);
    QFETCH(QString, reason);

    QString actual = u"stale"_s;
    const QUrl result = UrlList::checkUrl(text, &actual);
    QCOMPARE(result.toString(QUrl::FullyEncoded), url);
    if (reason.isEmpty())
        QCOMPARE(actual, QString());
    else
        QVERIFY2(actual.contains(reason), qPrintable(actual));
}

void TestUrlExtractor::builderKeepsTheCap()
{
    UrlList list;
    const qsizetype total = UrlList::kMaxReported + 5000;
    for (qsizetype i = 1; i <= total; ++i)
        list.addRejected(static_cast<int>(i), "user:secret@x", u"bad"_s);
    QCOMPARE(list.rejected().size(), UrlList::kMaxReported + 1);
    QCOMPARE(list.rejected().first().text, u"user:***@x"_s);
    const UrlList::Rejected &summary = list.rejected().last();
    QCOMPARE(summary.lineNumber, static_cast<int>(UrlList::kMaxReported + 1));
    QVERIFY(summary.text.isEmpty());
    QCOMPARE(summary.reason, u"5000 more rejected lines are not listed"_s);
    QCOMPARE(list.rejectedLineCount(), total);
    QCOMPARE(list.warningLineCount(), 0);

    // parse()'s own summary continues when records are added to its result.
    UrlList parsed = UrlList::parse(QByteArray("bad\n").repeated(UrlList::kMaxReported + 2));
    QCOMPARE(parsed.rejected().last().reason, u"2 more rejected lines are not listed"_s);
    parsed.addRejected(99999, "x", u"bad"_s);
    QCOMPARE(parsed.rejected().size(), UrlList::kMaxReported + 1);
    QCOMPARE(parsed.rejected().last().reason, u"3 more rejected lines are not listed"_s);
    QCOMPARE(parsed.rejectedLineCount(), UrlList::kMaxReported + 3);
}

void TestUrlExtractor::appendPrefixesSourceAndKeepsTheCap()
{
    UrlList merged = UrlList::parse("https://a.example/1\nbad\n  split=2\n");
    const UrlList second = UrlList::parse("x\nhttps://a.example/2\n  out=y\n  out=z\n");
    merged.append(second, u"b.txt"_s);
    QCOMPARE(describe(merged.entries()),
             (QStringList { u"1 https://a.example/1"_s, u"2 https://a.example/2 out=z"_s }));
    QCOMPARE(merged.rejected().size(), 2);
    QCOMPARE(merged.rejected().at(0).reason.startsWith(u"not a URL"_s), true);
    QVERIFY(merged.rejected().at(1).reason.startsWith(u"b.txt: not a URL"_s));
    QCOMPARE(merged.rejected().at(1).text, u"x"_s);
    QCOMPARE(merged.warnings().size(), 2);
    QCOMPARE(merged.rejectedLineCount(), 2);
    QCOMPARE(merged.warningLineCount(), 2);
    QVERIFY(merged.warnings().at(1).reason.startsWith(u"b.txt: option 'out' given again"_s));

    // Two lists over the cap: one summary that counts every line not listed.
    const UrlList big = UrlList::parse(QByteArray("bad\n").repeated(UrlList::kMaxReported + 10));
    UrlList sum;
    sum.append(big);
    sum.append(big);
    QCOMPARE(sum.rejected().size(), UrlList::kMaxReported + 1);
    QCOMPARE(sum.rejectedLineCount(), 2 * (UrlList::kMaxReported + 10));
    QCOMPARE(sum.rejected().last().reason,
             QString::number(UrlList::kMaxReported + 20) + u" more rejected lines are not listed"_s);
}

void TestUrlExtractor::pathologicalInputIsLinear_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("input");

    constexpr int kMany = 2 * 1024 * 1024;
    QTest::newRow("prose: http:// repeated") << 0 << QString(u"http://"_s.repeated(kMany / 7));
    QTest::newRow("prose: 'h' repeated") << 0 << QString(kMany, u'h');
    QTest::newRow("prose: open parentheses")
        << 0 << QString(u"see https://a.example/"_s + QString(kMany, u'('));
    QTest::newRow("prose: closing parentheses")
        << 0 << QString(u"see https://a.example/"_s + QString(kMany, u')'));
    QTest::newRow("prose: trailing dots") << 0 << QString(u"see https://a.example/"_s + QString(kMany, u'.'));
    QTest::newRow("prose: comma-joined") << 0 << QString(u",https://a"_s.repeated(kMany / 100));
    QTest::newRow("text: one long line of blanks") << 0 << QString(kMany, u' ');
    QTest::newRow("html: '<a ' repeated") << 1 << QString(u"<a "_s.repeated(kMany / 3));
    QTest::newRow("html: '<a href=' repeated") << 1 << QString(u"<a href="_s.repeated(kMany / 8));
    QTest::newRow("html: comment openers") << 1 << QString(u"<!--"_s.repeated(kMany / 4));
    QTest::newRow("html: script openers") << 1 << QString(u"<script>"_s.repeated(kMany / 8));
    QTest::newRow("html: ampersands in a link")
        << 1 << QString(u"<a href=\"https://a.example/"_s + u"&#"_s.repeated(kMany / 2) + u"\">"_s);
    QTest::newRow("html: newlines between tags") << 1 << QString(u"\n<a href=x>"_s.repeated(kMany / 11));
}

void TestUrlExtractor::pathologicalInputIsLinear()
{
    QFETCH(int, kind);
    QFETCH(QString, input);

    QElapsedTimer timer;
    timer.start();
    const UrlList list = kind == 0 ? UrlExtractor::fromText(input) : UrlExtractor::fromHtml(input);
    const qint64 elapsedMs = timer.elapsed();
    // Generous for a sanitizer build on a loaded machine; a quadratic scan of 2 M characters is not.
    QVERIFY2(elapsedMs < 5000, qPrintable(QString::number(elapsedMs) + u" ms"_s));
    QVERIFY(list.rejected().size() <= UrlList::kMaxReported + 1);
    verifyRecordsShowable(list);
}

void TestUrlExtractor::survivesGarbage_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<QByteArray>("alphabet");

    QTest::newRow("any byte") << 11u << QByteArray();
    QTest::newRow("URL and markup alphabet")
        << 12u << raw("\n\r \t#=:@/?%()[]<>\"'&;,.!hHtTpPsS:/aZ09-_\x00\x1B\x80\xC2\xE2\xF0\xFF");
    QTest::newRow("markup heavy") << 13u << raw("<a href=\"'>/!-- ascript&#x3B;amp;\n hs:tp/");
}

void TestUrlExtractor::survivesGarbage()
{
    QFETCH(quint32, seed);
    QFETCH(QByteArray, alphabet);

    const QByteArray bytes = randomBytes(seed, 512 * 1024, alphabet);
    const QString text = QString::fromUtf8(bytes);

    const UrlList prose = UrlExtractor::fromText(text);
    const UrlList html = UrlExtractor::fromHtml(text);
    const UrlExtractor::UriListResult uris = UrlExtractor::fromUriList(bytes);
    const UrlList csv = UrlExtractor::fromCsv(bytes);
    for (const UrlList *list : { &prose, &html, &uris.urls, &csv }) {
        verifyRecordsShowable(*list);
        for (const UrlList::Entry &entry : list->entries()) {
            QVERIFY(entry.url.isValid());
            QVERIFY(entry.url.scheme() == u"http"_s || entry.url.scheme() == u"https"_s);
            QVERIFY(!entry.url.host().isEmpty());
        }
    }
}

QTEST_GUILESS_MAIN(TestUrlExtractor)
#include "tst_urlextractor.moc"
