#pragma once

#include "logrecord.h"

#include <QSet>
#include <QSortFilterProxyModel>

class LogModel;

// Filters the live log by minimum level, a case-insensitive text (in the message, the source "file.cpp:12" or
// module, or the thread id) and a set of download ids. The log stays in arrival order: the proxy never sorts
// and dynamic re-sorting is off.
//
// filterAcceptsRow() runs for every appended row, a thousand times a second at full speed, so it reads the
// record straight from a LogModel source (no QVariant) and tests the cheap conditions first; the strings it
// builds (source text, thread id) are built only while a text filter is set and the message did not match.
// Any other source model works too, through LogModel's roles and columns.
//
// A filter change re-filters with invalidate() (one layout change), not invalidateRowsFilter(): the latter
// removes and inserts every contiguous run of rows with signals of its own, and a level filter over a log
// where Info and Warning records alternate makes that 25,000 runs for 50,000 rows, each costing the view,
// its header and its selection model a pass over all rows: 2.5 seconds of frozen window, against 3-5 ms
// for one layout change. Selection and current row survive either way (persistent indexes).
class LogFilterProxy final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogFilterProxy)

public:
    explicit LogFilterProxy(QObject *parent = nullptr);

    void setSourceModel(QAbstractItemModel *sourceModel) override;

    heiko::LogLevel minimumLevel() const { return m_minimumLevel; }
    void setMinimumLevel(heiko::LogLevel level);

    QString textFilter() const { return m_text; }
    void setTextFilter(const QString &text); // empty: no text filter

    QSet<int> downloadIds() const { return m_downloadIds; }
    void setDownloadIds(const QSet<int> &ids); // empty: records of every download, and those of none

    // The source record behind a row of this proxy (the source must be a LogModel).
    const heiko::LogRecord &recordAt(int proxyRow) const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    void refilter();
    bool textMatches(const heiko::LogRecord &record) const;

    LogModel *m_logModel = nullptr; // the source when it is a LogModel, for the fast path
    heiko::LogLevel m_minimumLevel = heiko::LogLevel::Debug;
    QString m_text;
    QSet<int> m_downloadIds;
};
