#include "commandlineurls.h"

#include "urlextractor.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QIODevice>

#include <cstdio>

using namespace Qt::StringLiterals;

CommandLineUrls CommandLineUrls::read(const QStringList &arguments, const QString &listPath)
{
    CommandLineUrls urls;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        const QString where = u"argument %1"_s.arg(i + 1);
        // One argument is one line: a line break in it would make one argument several list lines, the
        // second of which could pass for an option of the first ("  out=...").
        const heiko::UrlList list
            = argument.contains(u'\n') ? heiko::UrlList() : heiko::UrlList::parse(argument.toUtf8());
        if (list.entries().isEmpty() && list.rejected().isEmpty()) {
            // A blank argument or a '#' comment, which a list skips without a word: typed as an argument,
            // it is a mistake to point out.
            const QString reason = argument.contains(u'\n') ? u"contains a line break"_s : u"not a URL"_s;
            urls.m_refused.append({ where, argument.left(120), reason, i });
            ++urls.m_refusedCount;
            continue;
        }
        urls.add(list, where, i);
    }

    if (listPath.isEmpty())
        return urls;
    // Read in pieces up to one byte past the limit: asking for the limit at once would allocate it.
    const auto readAll = [](QIODevice *device) {
        QByteArray data;
        while (data.size() <= heiko::UrlExtractor::kMaxListFileBytes) {
            const QByteArray piece = device->read(1024 * 1024);
            if (piece.isEmpty())
                break;
            data += piece;
        }
        return data;
    };
    QString error;
    heiko::UrlList list;
    const QFileInfo info(listPath);
    if (listPath == u"-"_s) {
        QFile standardInput;
        if (!standardInput.open(stdin, QIODevice::ReadOnly)) {
            urls.m_error = u"-i -: cannot read standard input: %1"_s.arg(standardInput.errorString());
            return urls;
        }
        list = heiko::UrlExtractor::fromListBytes(readAll(&standardInput), u"stdin"_s, &error);
    } else if (info.exists() && !info.isFile() && !info.isDir()) {
        // A pipe or a device (`-i <(grep ... links.txt)`, `-i /dev/stdin`): read like standard input. A
        // dropped file of that kind is refused in the window, where it is a mistake; here it is asked for.
        QFile device(listPath);
        if (!device.open(QIODevice::ReadOnly)) {
            urls.m_error = u"-i %1: cannot read it: %2"_s.arg(QDir::toNativeSeparators(listPath),
                                                              device.errorString());
            return urls;
        }
        QByteArray data = readAll(&device);
        if (device.error() != QFileDevice::NoError) {
            // Not a shorter list: the rest would be missing without a word.
            urls.m_error = u"-i %1: reading it failed: %2"_s.arg(QDir::toNativeSeparators(listPath),
                                                                 device.errorString());
            return urls;
        }
        list = heiko::UrlExtractor::fromListBytes(std::move(data), info.fileName(), &error);
    } else {
        list = heiko::UrlExtractor::fromListFile(listPath, &error);
    }
    if (!error.isEmpty()) {
        // The message names the file only: the path as typed says which of the options it was.
        urls.m_error = u"-i %1: %2"_s.arg(QDir::toNativeSeparators(listPath), error);
        return urls;
    }
    urls.add(list, listPath == u"-"_s ? u"stdin"_s : QFileInfo(listPath).fileName(), -1);
    return urls;
}

void CommandLineUrls::add(const heiko::UrlList &list, const QString &source, qsizetype argument)
{
    // An argument is one line: its line number would say nothing.
    const auto where = [&](int lineNumber) {
        return argument >= 0 ? source : source + u':' + QString::number(lineNumber);
    };
    for (const heiko::UrlList::Rejected &rejected : list.rejected())
        m_refused.append({ where(rejected.lineNumber), rejected.text, rejected.reason, argument });
    m_refusedCount += list.rejectedLineCount();
    for (const heiko::UrlList::Rejected &warning : list.warnings())
        m_warnings.append({ where(warning.lineNumber), warning.text, warning.reason, argument });
    for (const heiko::UrlList::Entry &entry : list.entries())
        m_entries.append({ entry, where(entry.lineNumber) });
}
