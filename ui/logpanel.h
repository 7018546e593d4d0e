#pragma once

#include <QSet>
#include <QWidget>

class LogFilterProxy;
class LogModel;
class QComboBox;
class QLabel;
class QLineEdit;
class QModelIndex;
class QTableView;
class QToolButton;

namespace heiko {
class LogHub;
}

// The live log dock's contents: a tool row (minimum level, search, Follow, Copy, Clear) over a table of the
// hub's records, LogModel -> LogFilterProxy -> QTableView.
//
// Follow-tail: while following, each appended batch scrolls the view to the bottom once. Only the user stops
// it: a scroll bar action (wheel, drag, arrows, page clicks: QScrollBar::actionTriggered, which the panel's
// own scrollToBottom() never emits) that leaves the bottom pauses following, one that reaches the bottom
// resumes it, and so does moving the current row by mouse or keyboard (to a row other than the last). Changes
// made by the model (the oldest rows dropped, filters applied) are never taken for the user's doing: the
// panel brackets every model change and ignores what happens inside. While paused, rows that come or go above
// the view (the oldest dropped, a filter changed) shift the scroll position with them, so the rows the user
// is reading stay where they are.
class LogPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogPanel)

public:
    explicit LogPanel(heiko::LogHub &hub, QWidget *parent = nullptr, int maxRows = 50'000);
    ~LogPanel() override;

    // Shows only the records of these downloads (the selection in the downloads table); empty shows all.
    void setDownloadFilter(const QSet<int> &ids);

    LogModel *model() const { return m_model; }
    LogFilterProxy *proxy() const { return m_proxy; }
    QTableView *view() const { return m_view; }

    bool isFollowing() const { return m_following; }
    void setFollowing(bool follow);

    // The selected rows' text form (LogRecord::toText()), one a line in view order; empty without a
    // selection.
    QString selectedText() const;
    void copySelection() const; // selectedText() to the clipboard (Ctrl+C in the view, the Copy button)
    void clear(); // empties the view; the hub keeps its ring

Q_SIGNALS:
    void followingChanged(bool following);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void buildToolRow();
    void buildView();
    void handleScrollAction(int action);
    void handleCurrentChanged(const QModelIndex &current);
    void rememberTopRecord();
    void restoreTopRecord();
    int topRow() const;
    int firstRowFrom(qint64 sequence) const;
    void beginModelChange() { ++m_modelChanging; }
    void endModelChange() { m_modelChanging = qMax(0, m_modelChanging - 1); }
    void filtersChanged();
    void scrollToBottomIfFollowing();

    LogModel *m_model = nullptr;
    LogFilterProxy *m_proxy = nullptr;
    QTableView *m_view = nullptr;
    QComboBox *m_levelCombo = nullptr;
    QLineEdit *m_search = nullptr;
    QToolButton *m_followButton = nullptr;
    QToolButton *m_copyButton = nullptr;
    QToolButton *m_clearButton = nullptr;
    QLabel *m_downloadFilterLabel = nullptr;
    bool m_following = true;
    // > 0 while the proxy is inside a change: scrolls and current-row changes then are not the user's.
    int m_modelChanging = 0;
    qint64 m_topSequence = -1; // paused: the record at the top of the view before the proxy changed
};
