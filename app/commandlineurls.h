#pragma once

#include "urllist.h"

#include <QList>
#include <QString>
#include <QStringList>

// The URLs one command line names, its arguments and then its -i list, read and checked in one way for a
// headless run and for the window: both accept, refuse and report the same lines, and read a list file the
// same way (CSV, HTML and UTF-16 lists included, at most 100 MB).
class CommandLineUrls final
{
public:
    struct Problem
    {
        QString where; // "argument 2", "urls.txt:14"
        QString text; // printable, cut to 120 characters; empty in a record that sums up omitted lines
        QString reason;
        qsizetype argument = -1; // the index of the argument refused, or -1 for a line of the list
    };
    struct Entry
    {
        heiko::UrlList::Entry entry;
        QString where; // as in Problem, for what is said about the entry later (a refused dir=)
    };

    // `listPath`: a list file (a pipe too), "-" for standard input, empty for none.
    static CommandLineUrls read(const QStringList &arguments, const QString &listPath);

    const QList<Entry> &entries() const { return m_entries; }
    const QList<Problem> &refused() const { return m_refused; }
    const QList<Problem> &warnings() const { return m_warnings; }
    // Lines and arguments refused, those only counted in a summing-up record included.
    qsizetype refusedCount() const { return m_refusedCount; }
    // Set when the list could not be read at all: what failed and what to do. Nothing else is then read.
    const QString &error() const { return m_error; }

private:
    void add(const heiko::UrlList &list, const QString &source, qsizetype argument);

    QList<Entry> m_entries;
    QList<Problem> m_refused;
    QList<Problem> m_warnings;
    qsizetype m_refusedCount = 0;
    QString m_error;
};
